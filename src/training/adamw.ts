// AdamW with torch.optim.AdamW's semantics — decoupled weight decay (p ← p·(1 − lr·wd) before the
// Adam update), bias correction, optional amsgrad, per-group hyper-parameters that schedulers set —
// as a real tf.Optimizer: `applyGradients({ [variable.name]: grad })`, `minimize(f)`, tf.serialization.
// `LegacyAdamW` is the old `transformers.AdamW` (decay after the update, eps on the uncorrected
// sqrt, `correct_bias`). State lives in non-trainable tf.Variables, one set per parameter. The torch loop
// (`step(closure)`, `compute_gradients`, `zero_grad`, `grads`) comes from ./optimizer.
import { tf } from "../backend";
import type { TensorData } from "../hub/safetensors";
import type { SchedulableOptimizer } from "./lr_scheduler";
import { Optimizer } from "./optimizer";
import { install_repr, optimizer_repr, type OptimizerLike } from "../utils/repr";

type Variable = tf.Variable;
type NamedTensor = { name: string; tensor: tf.Tensor };

/** A parameter group as given to the constructor: variables (or their registered names) plus overrides. */
export interface AdamWGroupOptions {
  params: (string | Variable)[];
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
  correct_bias?: boolean;
}

/** A parameter group as the optimizer holds it (torch's `optimizer.param_groups[i]`); schedulers write `lr`. */
export interface AdamWParamGroup {
  params: string[];
  lr: number;
  initial_lr?: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  amsgrad: boolean;
  correct_bias?: boolean;
}

/** AdamW's options (torch.optim.AdamW's arguments): lr, betas, eps, weight_decay, and params or param_groups. */
export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  amsgrad?: boolean;
  /** Shorthand for one group. With neither params nor param_groups, every variable that gets a gradient joins group 0. */
  params?: (string | Variable)[];
  param_groups?: AdamWGroupOptions[];
}

/** AdamW's per-parameter state, as in torch's `optimizer.state_dict()["state"]`: the step count and the first / second moment estimates (`max_exp_avg_sq` only with amsgrad). */
export interface AdamWParamState {
  step: number;
  exp_avg: TensorData;
  exp_avg_sq: TensorData;
  max_exp_avg_sq?: TensorData;
}

/** `state_dict()`: per-parameter state keyed by the variable's name, and the groups (with their current lr). */
export interface AdamWStateDict {
  state: Record<string, AdamWParamState>;
  param_groups: AdamWParamGroup[];
}

interface ParamState {
  step: number;
  exp_avg: Variable;
  exp_avg_sq: Variable;
  max_exp_avg_sq?: Variable;
}

type Defaults = Omit<AdamWParamGroup, "params" | "initial_lr">;

function nameOf(p: string | Variable, where: string): string {
  if (typeof p === "string") return p;
  if (p && typeof (p as Variable).name === "string" && typeof (p as Variable).assign === "function") return p.name;
  throw new Error(`${where}: expected a tf.Variable or a variable name, got ${String(p)}`);
}

function checkHyper(g: Defaults, where: string): void {
  if (!(g.lr >= 0)) throw new Error(`Invalid learning rate: ${g.lr} (${where})`);
  if (!(g.eps >= 0)) throw new Error(`Invalid epsilon value: ${g.eps} (${where})`);
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new Error(`Invalid betas: ${JSON.stringify(g.betas)}; expected [beta1, beta2] (${where})`);
  if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new Error(`Invalid beta parameter at index 0: ${g.betas[0]} (${where})`);
  if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new Error(`Invalid beta parameter at index 1: ${g.betas[1]} (${where})`);
  if (!(g.weight_decay >= 0)) throw new Error(`Invalid weight_decay value: ${g.weight_decay} (${where})`);
}

function toData(t: tf.Tensor): TensorData {
  return { dtype: "float32", shape: [...t.shape], data: t.dataSync() as Float32Array };
}

/**
 * torch.optim.AdamW (decoupled weight decay) with torch-style param_groups, step(closure), zero_grad() and the grads buffer.
 * @example
 * ```ts
 * const optimizer = new AdamW({ lr: 2e-5, param_groups: get_grouped_parameters(model, 0.01) });
 * const loss = optimizer.step(() => model(batch).loss); loss.item()
 * ```
 */
export class AdamW extends Optimizer implements SchedulableOptimizer {
  static className = "AdamW";
  readonly defaults: Defaults;
  param_groups: AdamWParamGroup[];
  /** Per-parameter state, keyed by the tf.Variable's name. */
  readonly state = new Map<string, ParamState>();
  /** Group 0 collects every variable that shows up without a group (no params / param_groups given). */
  private readonly catch_all: boolean;
  private groupOf = new Map<string, number>();

  constructor(options: AdamWOptions = {}) {
    super();
    this.defaults = this.makeDefaults(options);
    checkHyper(this.defaults, `${this.cls()} defaults`);
    const groups = options.param_groups ?? (options.params ? [{ params: options.params }] : []);
    this.catch_all = groups.length === 0;
    this.param_groups = (this.catch_all ? [{ params: [] as string[] }] : groups).map((g, i) => {
      const where = `${this.cls()} param_groups[${i}]`;
      if (!Array.isArray(g.params)) throw new Error(`${where}: params must be an array of tf.Variables or names`);
      const { params, ...over } = g as AdamWGroupOptions;
      const group: AdamWParamGroup = { ...this.defaults, ...over, params: params.map((p) => nameOf(p, where)) };
      checkHyper(group, where);
      for (const n of group.params) {
        if (this.groupOf.has(n)) throw new Error(`some parameters appear in more than one parameter group: '${n}'`);
        this.groupOf.set(n, i);
      }
      return group;
    });
  }

  protected makeDefaults(o: AdamWOptions): Defaults {
    return { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weight_decay: o.weight_decay ?? 1e-2, amsgrad: o.amsgrad ?? false };
  }

  private cls(): string {
    return (this.constructor as typeof AdamW).className;
  }

  /** The groups' variables (every trainable variable when the optimizer was built without params). */
  protected override parameters(): tf.Variable[] | undefined {
    if (this.catch_all) return undefined;
    const registered = tf.engine().registeredVariables;
    return [...this.groupOf.keys()].map((name) => {
      const v = registered[name];
      if (!v) throw new Error(`${this.cls()}: parameter '${name}' of param_groups[${this.groupOf.get(name)}] is not a registered tf.Variable (was its model disposed?)`);
      return v;
    });
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor | null][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = registered[name];
      if (!variable) throw new Error(`${this.cls()}.applyGradients: no tf.Variable named '${name}' is registered`);
      if (!tf.util.arraysEqual(grad.shape, variable.shape)) {
        throw new Error(`${this.cls()}.applyGradients: gradient for '${name}' has shape [${grad.shape}], the variable [${variable.shape}]`);
      }
      // one tidy per parameter: its temporaries (about ten of the parameter's size) are freed before the next one's
      // (one tidy around the loop held them all: ~18 bytes per parameter per float at the update's peak, measured)
      tf.tidy(() => this.updateParam(variable, grad, this.param_groups[this.groupIndex(name)], this.stateFor(variable)));
    }
    this.incrementIterations();
  }

  private groupIndex(name: string): number {
    let gi = this.groupOf.get(name);
    if (gi === undefined) {
      if (!this.catch_all) {
        throw new Error(`${this.cls()}: variable '${name}' is in no param group (the groups hold ${this.groupOf.size} variables); add it to param_groups`);
      }
      gi = 0;
      this.groupOf.set(name, 0);
      this.param_groups[0].params.push(name);
    }
    return gi;
  }

  override has_state(): boolean {
    return this.state.size > 0;
  }

  private stateFor(variable: Variable): ParamState {
    let st = this.state.get(variable.name);
    if (!st) {
      const zeros = () => tf.variable(tf.zerosLike(variable), false);
      st = { step: 0, exp_avg: zeros(), exp_avg_sq: zeros() };
      this.state.set(variable.name, st);
    }
    return st;
  }

  /** One parameter's update, torch.optim.AdamW (single-tensor path of torch 1.13). Runs inside a tidy of its own (applyGradients). */
  protected updateParam(p: Variable, grad: tf.Tensor, group: AdamWParamGroup, st: ParamState): void {
    const [beta1, beta2] = group.betas;
    const { lr, weight_decay, eps } = group;
    st.step += 1;
    const bias_correction1 = 1 - beta1 ** st.step;
    const bias_correction2 = 1 - beta2 ** st.step;
    const step_size = lr / bias_correction1;
    const bias_correction2_sqrt = Math.sqrt(bias_correction2);
    // Each nested tidy frees its temporaries at once, so at most ~5 tensors of p's size are alive at a time
    // (the word embeddings' update dominates a small BERT's training step: 30,522 × hidden floats each).
    const g = grad.dtype === "float32" ? grad : grad.toFloat();
    const exp_avg = tf.tidy(() => tf.add(tf.mul(st.exp_avg, beta1), tf.mul(g, 1 - beta1)));
    st.exp_avg.assign(exp_avg);
    const exp_avg_sq = tf.tidy(() => tf.add(tf.mul(st.exp_avg_sq, beta2), tf.mul(tf.mul(g, 1 - beta2), g)));
    st.exp_avg_sq.assign(exp_avg_sq);
    let second = exp_avg_sq;
    if (group.amsgrad) {
      if (!st.max_exp_avg_sq) st.max_exp_avg_sq = tf.variable(tf.zerosLike(p), false);
      second = tf.maximum(st.max_exp_avg_sq, exp_avg_sq);
      st.max_exp_avg_sq.assign(second);
    }
    const denom = tf.tidy(() => tf.add(tf.div(tf.sqrt(second), bias_correction2_sqrt), eps)); // [same as p]
    const update = tf.tidy(() => tf.div(tf.mul(exp_avg, -step_size), denom));
    denom.dispose();
    // decoupled decay first: p·(1 − lr·wd) + update
    p.assign(tf.tidy(() => tf.add(weight_decay !== 0 ? tf.mul(p, 1 - lr * weight_decay) : p, update)));
  }

  /** Plain-data copy of the state (moments as float32 arrays) and of the groups, torch's `state_dict()`. */
  state_dict(): AdamWStateDict {
    const state: Record<string, AdamWParamState> = {};
    for (const [name, st] of this.state) {
      state[name] = { step: st.step, exp_avg: toData(st.exp_avg), exp_avg_sq: toData(st.exp_avg_sq) };
      if (st.max_exp_avg_sq) state[name].max_exp_avg_sq = toData(st.max_exp_avg_sq);
    }
    return { state, param_groups: this.param_groups.map((g) => ({ ...g, betas: [...g.betas] as [number, number], params: [...g.params] })) };
  }

  /** Restores `state_dict()` output: groups must hold the same parameters; moments must match the variables' shapes. */
  load_state_dict(sd: AdamWStateDict): void {
    if (!sd || !Array.isArray(sd.param_groups) || typeof sd.state !== "object") {
      throw new Error(`${this.cls()}.load_state_dict: expected { state, param_groups }, got ${typeof sd}`);
    }
    if (sd.param_groups.length !== this.param_groups.length) {
      throw new Error(`loaded state dict has a different number of parameter groups (${sd.param_groups.length}) than the optimizer (${this.param_groups.length})`);
    }
    sd.param_groups.forEach((g, i) => {
      const mine = this.param_groups[i];
      if (!this.catch_all && (g.params.length !== mine.params.length || g.params.some((n, j) => n !== mine.params[j]))) {
        throw new Error(`loaded state dict contains a parameter group that doesn't match the parameters of optimizer's group ${i}`);
      }
    });
    const registered = tf.engine().registeredVariables;
    for (const [name, s] of Object.entries(sd.state)) {
      const v = registered[name];
      if (v && !tf.util.arraysEqual(v.shape, s.exp_avg.shape)) {
        throw new Error(`${this.cls()}.load_state_dict: state for '${name}' has shape [${s.exp_avg.shape}], the variable [${v.shape}]`);
      }
    }
    this.disposeState();
    this.param_groups = sd.param_groups.map((g) => ({ ...g, betas: [...g.betas] as [number, number], params: [...g.params] }));
    this.groupOf = new Map();
    this.param_groups.forEach((g, i) => g.params.forEach((n) => this.groupOf.set(n, i)));
    const mk = (d: TensorData) => tf.tidy(() => tf.variable(tf.tensor(d.data, d.shape, "float32"), false)); // tidy frees the initial tensor
    for (const [name, s] of Object.entries(sd.state)) {
      const st: ParamState = { step: s.step, exp_avg: mk(s.exp_avg), exp_avg_sq: mk(s.exp_avg_sq) };
      if (s.max_exp_avg_sq) st.max_exp_avg_sq = mk(s.max_exp_avg_sq);
      this.state.set(name, st);
    }
    const steps = [...this.state.values()].map((s) => s.step);
    this.iterations_ = steps.length ? Math.max(...steps) : 0;
  }

  private disposeState(): void {
    for (const st of this.state.values()) tf.dispose([st.exp_avg, st.exp_avg_sq, ...(st.max_exp_avg_sq ? [st.max_exp_avg_sq] : [])]);
    this.state.clear();
  }

  override dispose(): void {
    super.dispose();
    this.disposeState();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, st] of this.state) {
      out.push({ name: `${name}/step`, tensor: tf.scalar(st.step, "int32") });
      out.push({ name: `${name}/exp_avg`, tensor: st.exp_avg });
      out.push({ name: `${name}/exp_avg_sq`, tensor: st.exp_avg_sq });
      if (st.max_exp_avg_sq) out.push({ name: `${name}/max_exp_avg_sq`, tensor: st.max_exp_avg_sq });
    }
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const state: Record<string, Partial<AdamWParamState>> = {};
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf("/");
      const param = name.slice(0, cut);
      const key = name.slice(cut + 1) as keyof AdamWParamState;
      const s = (state[param] ??= {});
      if (key === "step") s.step = (await tensor.data())[0];
      else if (key === "exp_avg" || key === "exp_avg_sq" || key === "max_exp_avg_sq") s[key] = { dtype: "float32", shape: [...tensor.shape], data: (await tensor.data()) as Float32Array };
      else throw new Error(`${this.cls()}.setWeights: unexpected weight '${name}'`);
    }
    const iterations = this.iterations_;
    this.load_state_dict({ state: state as Record<string, AdamWParamState>, param_groups: this.state_dict().param_groups });
    this.iterations_ = iterations;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const d = this.defaults;
    return { lr: d.lr, betas: [...d.betas], eps: d.eps, weight_decay: d.weight_decay, amsgrad: d.amsgrad };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config as unknown as AdamWOptions);
  }
}
install_repr(AdamW, (o) => optimizer_repr(o as unknown as OptimizerLike)); // torch's "AdamW (\nParameter Group 0 ..." (utils/repr.ts)

/** Options of the legacy `transformers.AdamW` (the BERT-era optimizer): AdamW's options, with `correct_bias` instead of amsgrad. */
export interface LegacyAdamWOptions extends Omit<AdamWOptions, "amsgrad"> {
  /** Whether to bias-correct (upstream default true; BERT's original TF code used false). */
  correct_bias?: boolean;
}

/**
 * The deprecated `transformers.AdamW` (transformers ≤ 4.x): defaults lr 1e-3, eps 1e-6, weight_decay 0,
 * correct_bias true; the decay p ← p − lr·wd·p comes after the Adam step, and eps is added before bias correction.
 */
export class LegacyAdamW extends AdamW {
  static override className = "LegacyAdamW";

  constructor(options: LegacyAdamWOptions = {}) {
    super(options as AdamWOptions);
  }

  protected override makeDefaults(o: LegacyAdamWOptions): Defaults {
    return { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-6, weight_decay: o.weight_decay ?? 0.0, amsgrad: false, correct_bias: o.correct_bias ?? true };
  }

  protected override updateParam(p: Variable, grad: tf.Tensor, group: AdamWParamGroup, st: ParamState): void {
    const [beta1, beta2] = group.betas;
    const { lr, weight_decay, eps } = group;
    st.step += 1;
    const g = grad.toFloat();
    const exp_avg = tf.add(tf.mul(st.exp_avg, beta1), tf.mul(g, 1.0 - beta1));
    const exp_avg_sq = tf.add(tf.mul(st.exp_avg_sq, beta2), tf.mul(tf.mul(g, 1.0 - beta2), g));
    st.exp_avg.assign(exp_avg);
    st.exp_avg_sq.assign(exp_avg_sq);
    const denom = tf.add(tf.sqrt(exp_avg_sq), eps);
    let step_size = lr;
    if (group.correct_bias ?? true) {
      const bias_correction1 = 1.0 - beta1 ** st.step;
      const bias_correction2 = 1.0 - beta2 ** st.step;
      step_size = (step_size * Math.sqrt(bias_correction2)) / bias_correction1;
    }
    let next = tf.add(p, tf.div(tf.mul(exp_avg, -step_size), denom));
    if (weight_decay > 0.0) next = tf.add(next, tf.mul(next, -lr * weight_decay));
    p.assign(next);
  }
}

tf.serialization.registerClass(AdamW);
tf.serialization.registerClass(LegacyAdamW);
