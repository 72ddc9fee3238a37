// OnnxTrainStep: BERT training steps (forward + backward + clipping + AdamW) run by ONNX Runtime as one
// graph (./train_graph). The weights and Adam moments live here as float32 arrays in two sets that
// swap every step: the current set is fed in, ORT writes the updated one into the other set's
// preallocated tensors (no copies, no allocation per step).
//   const trainer = await OnnxTrainStep.create({ config, weights, architecture: "BertForMaskedLM", param_groups });
//   const { loss } = await trainer.step({ input_ids, attention_mask, labels });   // labels: -100 = not predicted
//   trainer.weights()  // HF name → Float32Array (the current values)
import type { TensorData } from "../../hub/safetensors";
import { EngineBertConfig, WeightsLike, WeightStore } from "./config";
import { flatten, IdsLike } from "./engine";
import { ADAMW_SCALARS, buildTrainGraph, ParamSpec, TRAIN_ARCHITECTURES, TrainDropout } from "./train_graph";
import { createSession, loadOrt, OrtSession, SessionSettings } from "./runtime";

/** torch.optim.AdamW's per-group hyper-parameters (`params`: HF names; a group without names takes the rest). */
export interface TrainParamGroup {
  params?: string[];
  lr: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
}

/** Options of OnnxTrainStep.create (AdamW training steps run by ONNX Runtime): config, weights, head, param groups, clipping, dropout, starting state. */
export interface TrainStepOptions extends SessionSettings {
  config: EngineBertConfig;
  /** HF names → float32 data; copied in (the caller's arrays are not written). */
  weights: WeightsLike;
  architecture: string;
  /** AdamW groups (default: one group, lr 1e-3, torch's defaults). */
  param_groups?: TrainParamGroup[];
  /** Clip the global gradient norm to this (torch.nn.utils.clip_grad_norm_); 0 / undefined: no clipping. */
  max_grad_norm?: number;
  /** Dropout probabilities (default 0: none); pass the config's for training as HF does. */
  dropout?: Partial<TrainDropout>;
  seed?: number;
  /** Adam moments to start from (HF name → data), e.g. a restored optimizer state; default zeros. */
  exp_avg?: Map<string, Float32Array>;
  exp_avg_sq?: Map<string, Float32Array>;
  /** Steps already taken (the bias corrections continue from here). */
  step?: number;
}

/** A training batch: ids / mask / types [batch, seq]; labels [batch, seq] (MLM, -100 ignored) or [batch] (classification). */
export interface TrainBatch {
  input_ids: IdsLike;
  attention_mask?: IdsLike | null;
  token_type_ids?: IdsLike | null;
  labels: IdsLike | number[];
  next_sentence_label?: IdsLike | number[] | null;
}

/** What one step reports (the per-head fields only for BertForMaskedLM / BertForPreTraining). */
export interface StepResult {
  loss: number;
  grad_norm: number;
  mlm_loss?: number;
  mlm_predictions?: number[];
  nsp_loss?: number;
  nsp_predictions?: number[];
}

type OrtTensor = InstanceType<ReturnType<typeof loadOrt>["Tensor"]>;

/** One set of weights + moments as float32 arrays and the ORT tensors that view them. */
interface StateSet {
  param: Float32Array[];
  exp_avg: Float32Array[];
  exp_avg_sq: Float32Array[];
  tensors: Map<string, OrtTensor>;
}

/**
 * One whole training step (forward, backward, clipping, AdamW) as one ONNX Runtime graph; the Trainer's `train_engine: "onnx"`.
 * @example
 * ```ts
 * const step = await OnnxTrainStep.create({ config, weights, architecture: "BertForMaskedLM", param_groups });
 * const { loss } = await step.step({ input_ids, attention_mask, labels });
 * ```
 */
export class OnnxTrainStep {
  readonly architecture: string;
  readonly params: ParamSpec[];
  /** Steps taken (torch's per-parameter `step`, equal for all). */
  step_count: number;
  param_groups: Required<TrainParamGroup>[];
  max_grad_norm: number;
  private cur: StateSet;
  private next: StateSet;
  private groupIndex: number[];
  private disposed = false;
  private gradSession?: Promise<OrtSession>;

  private constructor(
    private readonly session: OrtSession,
    private readonly opts: TrainStepOptions,
    params: ParamSpec[],
    groupIndex: number[],
    private readonly batchInputs: string[],
    private readonly details: string[],
  ) {
    this.architecture = opts.architecture;
    this.params = params;
    this.groupIndex = groupIndex;
    this.step_count = opts.step ?? 0;
    this.max_grad_norm = opts.max_grad_norm ?? 0;
    this.param_groups = resolveGroups(opts.param_groups);
    const store = new WeightStore(opts.weights, opts.architecture);
    const ort = loadOrt();
    const mk = (init: (p: ParamSpec, i: number) => Float32Array | undefined): StateSet => {
      const set: StateSet = { param: [], exp_avg: [], exp_avg_sq: [], tensors: new Map() };
      params.forEach((p, i) => {
        const n = size(p.shape);
        const copy = (src: Float32Array | undefined, what: string) => {
          if (src && src.length !== n) throw new Error(`OnnxTrainStep: ${what} for '${p.name}' has ${src.length} values; expected ${n} (shape [${p.shape}])`);
          return src ? Float32Array.from(src) : new Float32Array(n);
        };
        set.param.push(copy(init(p, i), "weights"));
        set.exp_avg.push(copy(opts.exp_avg?.get(p.name), "exp_avg"));
        set.exp_avg_sq.push(copy(opts.exp_avg_sq?.get(p.name), "exp_avg_sq"));
      });
      return set;
    };
    this.cur = mk((p) => store.get(p.name, p.shape).data as Float32Array);
    this.next = mk(() => undefined);
    for (const set of [this.cur, this.next]) {
      params.forEach((p, i) => {
        set.tensors.set(p.name, new ort.Tensor("float32", set.param[i], p.shape));
        set.tensors.set(`exp_avg.${p.name}`, new ort.Tensor("float32", set.exp_avg[i], p.shape));
        set.tensors.set(`exp_avg_sq.${p.name}`, new ort.Tensor("float32", set.exp_avg_sq[i], p.shape));
      });
    }
  }

  /** Builds the training graph and its ORT session; copies the weights (and moments) in. */
  static async create(opts: TrainStepOptions): Promise<OnnxTrainStep> {
    if (!(TRAIN_ARCHITECTURES as readonly string[]).includes(opts.architecture)) {
      throw new Error(`OnnxTrainStep.create: architecture '${opts.architecture}' is not supported; expected one of ${TRAIN_ARCHITECTURES.join(", ")}`);
    }
    if (opts.max_grad_norm != null && !(opts.max_grad_norm >= 0)) throw new Error(`OnnxTrainStep.create: max_grad_norm=${opts.max_grad_norm}; expected a number ≥ 0`);
    loadOrt();
    const groups = resolveGroups(opts.param_groups);
    const store = new WeightStore(opts.weights, opts.architecture);
    const num_labels = opts.architecture === "BertForSequenceClassification" ? store.get("classifier.weight").shape[0] : undefined;
    const groupOf = groupLookup(groups);
    const built = buildTrainGraph(opts.config, {
      architecture: opts.architecture, num_labels, dropout: opts.dropout, seed: opts.seed, group_of: groupOf, clip: (opts.max_grad_norm ?? 0) > 0,
    });
    const session = await createSession(built.bytes, opts);
    return new OnnxTrainStep(session, opts, built.params, built.params.map((p) => groupOf(p.name)), built.batch_inputs, built.details);
  }

  /** The int64 batch feeds: ids, mask, types, and the head's labels (MLM: masked positions + their ids). */
  private feeds(batch: TrainBatch): Record<string, OrtTensor> {
    const ort = loadOrt();
    const ids = flatten(batch.input_ids, "input_ids");
    if (ids.dims.length !== 2) throw new Error(`${this.architecture} training: input_ids has shape [${ids.dims}]; expected [batch, seq]`);
    const [B, S] = ids.dims;
    const vocab = this.opts.config.vocab_size ?? 30522;
    const maxPos = this.opts.config.max_position_embeddings ?? 512;
    if (S > maxPos) throw new Error(`${this.architecture} training: sequence length ${S} exceeds config.max_position_embeddings=${maxPos}`);
    for (const v of ids.data) if (v < 0n || v >= BigInt(vocab)) throw new Error(`input_ids: id ${v} is outside the vocabulary [0, ${vocab})`);
    const same = (x: IdsLike | null | undefined, name: string, fill: bigint) => {
      if (x == null) return new BigInt64Array(B * S).fill(fill);
      const f = flatten(x, name);
      if (f.dims.join() !== ids.dims.join()) throw new Error(`${name} has shape [${f.dims}]; expected the shape of input_ids [${ids.dims}]`);
      return f.data;
    };
    const types = same(batch.token_type_ids, "token_type_ids", 0n);
    const typeVocab = this.opts.config.type_vocab_size ?? 2;
    for (const v of types) if (v < 0n || v >= BigInt(typeVocab)) throw new Error(`token_type_ids: ${v} is outside [0, ${typeVocab}) (config.type_vocab_size)`);
    const out: Record<string, OrtTensor> = {
      input_ids: new ort.Tensor("int64", ids.data, [B, S]),
      attention_mask: new ort.Tensor("int64", same(batch.attention_mask, "attention_mask", 1n), [B, S]),
      token_type_ids: new ort.Tensor("int64", types, [B, S]),
    };
    if (batch.labels == null) throw new Error(`${this.architecture} training: the batch has no 'labels'`);
    const labels = flatten(batch.labels as IdsLike, "labels");
    if (this.batchInputs.includes("mlm_positions")) {
      if (labels.dims.join() !== ids.dims.join()) throw new Error(`labels has shape [${labels.dims}]; expected the shape of input_ids [${ids.dims}] (MLM labels, -100 = not predicted)`);
      const pos: bigint[] = [];
      const tgt: bigint[] = [];
      labels.data.forEach((v, i) => {
        if (v === -100n) return;
        if (v < 0n || v >= BigInt(vocab)) throw new Error(`labels: value ${v} at flat position ${i} is neither -100 nor a token id in [0, ${vocab})`);
        pos.push(BigInt(i));
        tgt.push(v);
      });
      out.mlm_positions = new ort.Tensor("int64", BigInt64Array.from(pos), [pos.length]);
      out.mlm_labels = new ort.Tensor("int64", BigInt64Array.from(tgt), [tgt.length]);
    } else {
      if (labels.dims.join() !== String(B)) throw new Error(`labels has shape [${labels.dims}]; expected [${B}] (one class index per sequence)`);
      const n = this.params.find((p) => p.name === "classifier.weight")!.shape[0];
      labels.data.forEach((v, i) => {
        if (v !== -100n && (v < 0n || v >= BigInt(n))) throw new Error(`labels: value ${v} at index ${i} is neither -100 nor a class index in [0, ${n})`);
      });
      out.labels = new ort.Tensor("int64", labels.data, [B]);
    }
    if (this.batchInputs.includes("next_sentence_label")) {
      if (batch.next_sentence_label == null) throw new Error("BertForPreTraining training: the batch has no 'next_sentence_label'");
      const nsp = flatten(batch.next_sentence_label as IdsLike, "next_sentence_label");
      if (nsp.dims.join() !== String(B)) throw new Error(`next_sentence_label has shape [${nsp.dims}]; expected [${B}]`);
      out.next_sentence_label = new ort.Tensor("int64", nsp.data, [B]);
    }
    return out;
  }

  /** AdamW's scalars of each group for step t (torch.optim.AdamW, single-tensor path). */
  private adamwFeeds(t: number): Record<string, OrtTensor> {
    const ort = loadOrt();
    const out: Record<string, OrtTensor> = {};
    new Set(this.groupIndex).forEach((gi) => {
      const g = this.param_groups[gi];
      const [b1, b2] = g.betas;
      const values: Record<(typeof ADAMW_SCALARS)[number], number> = {
        decay: 1 - g.lr * g.weight_decay, beta1: b1, one_minus_beta1: 1 - b1, beta2: b2, one_minus_beta2: 1 - b2,
        step_scale: -(g.lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t), eps_scaled: g.eps * Math.sqrt(1 - b2 ** t),
      };
      out[`adamw.${gi}`] = new ort.Tensor("float32", Float32Array.from(ADAMW_SCALARS.map((k) => values[k])), [ADAMW_SCALARS.length]);
    });
    return out;
  }

  /**
   * One optimizer step on `batch` with the groups' current lr (set `param_groups[i].lr` between steps, as
   * a scheduler does). Returns the loss before the update, the global gradient norm before clipping and,
   * for the MLM heads, the per-head losses and argmax predictions (masked rows in row-major order; NSP per pair).
   */
  async step(batch: TrainBatch): Promise<StepResult> {
    if (this.disposed) throw new Error("OnnxTrainStep: step() after dispose()");
    const ort = loadOrt();
    const t = this.step_count + 1;
    const feeds: Record<string, OrtTensor> = { ...this.feeds(batch), ...this.adamwFeeds(t) };
    for (const [name, tensor] of this.cur.tensors) feeds[name] = tensor;
    if (this.max_grad_norm > 0) feeds.max_grad_norm = new ort.Tensor("float32", new Float32Array([this.max_grad_norm]), []);
    const fetches: Record<string, OrtTensor | null> = { loss: null, grad_norm: null };
    for (const d of this.details) fetches[d] = null;
    for (const p of this.params) {
      fetches[`updated.${p.name}`] = this.next.tensors.get(p.name)!;
      fetches[`updated.exp_avg.${p.name}`] = this.next.tensors.get(`exp_avg.${p.name}`)!;
      fetches[`updated.exp_avg_sq.${p.name}`] = this.next.tensors.get(`exp_avg_sq.${p.name}`)!;
    }
    const r = await this.session.run(feeds, fetches as never);
    const loss = (r.loss.data as Float32Array)[0];
    const grad_norm = (r.grad_norm.data as Float32Array)[0];
    [this.cur, this.next] = [this.next, this.cur];
    this.step_count = t;
    const out: StepResult = { loss, grad_norm };
    const num = (k: string) => (r[k] ? (r[k].data as Float32Array)[0] : undefined);
    const ids = (k: string) => (r[k] ? Array.from(r[k].data as BigInt64Array, Number) : undefined);
    if (r.mlm_loss) Object.assign(out, { mlm_loss: num("mlm_loss"), mlm_predictions: ids("mlm_predictions") });
    if (r.nsp_loss) Object.assign(out, { nsp_loss: num("nsp_loss"), nsp_predictions: ids("nsp_predictions") });
    return out;
  }

  /** The loss and every parameter's gradient on `batch` (no update; dropout as configured): for checks. */
  async gradients(batch: TrainBatch): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
    if (this.disposed) throw new Error("OnnxTrainStep: gradients() after dispose()");
    if (!this.gradSession) {
      const o = this.opts;
      const num_labels = this.architecture === "BertForSequenceClassification" ? this.params.find((p) => p.name === "classifier.weight")!.shape[0] : undefined;
      const built = buildTrainGraph(o.config, { architecture: o.architecture, num_labels, dropout: o.dropout, seed: o.seed, mode: "grads" });
      this.gradSession = createSession(built.bytes, o);
    }
    const session = await this.gradSession;
    const feeds: Record<string, OrtTensor> = this.feeds(batch);
    this.params.forEach((p) => (feeds[p.name] = this.cur.tensors.get(p.name)!));
    const r = await session.run(feeds);
    const grads = new Map(this.params.map((p) => [p.name, r[`grad.${p.name}`].data as Float32Array]));
    return { loss: (r.loss.data as Float32Array)[0], grads };
  }

  /** The current weights, HF name → array (views of the live state: copy them to keep them past the next step). */
  weights(): Map<string, Float32Array> {
    return new Map(this.params.map((p, i) => [p.name, this.cur.param[i]]));
  }

  /** The current weights as TensorData (views), e.g. for `OnnxBertEngine.create` or save_pretrained. */
  weight_data(): Map<string, TensorData> {
    return new Map(this.params.map((p, i) => [p.name, { dtype: "float32", shape: p.shape, data: this.cur.param[i] }]));
  }

  /** The current Adam moments (views). */
  moments(): { exp_avg: Map<string, Float32Array>; exp_avg_sq: Map<string, Float32Array> } {
    return {
      exp_avg: new Map(this.params.map((p, i) => [p.name, this.cur.exp_avg[i]])),
      exp_avg_sq: new Map(this.params.map((p, i) => [p.name, this.cur.exp_avg_sq[i]])),
    };
  }

  /** Overwrites weights by HF name (e.g. after the model was changed outside this trainer). */
  set_weights(values: Map<string, Float32Array>): void {
    this.params.forEach((p, i) => {
      const v = values.get(p.name);
      if (!v) return;
      if (v.length !== this.cur.param[i].length) throw new Error(`OnnxTrainStep.set_weights: '${p.name}' has ${v.length} values; expected ${this.cur.param[i].length}`);
      this.cur.param[i].set(v);
    });
  }

  /** Ends ORT's profiling of the step session (created with `profile: prefix`); the trace lands in `<prefix>_<date>.json`. */
  end_profiling(): void {
    this.session.endProfiling();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
    if (this.gradSession) await (await this.gradSession).release();
  }
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function resolveGroups(groups: TrainParamGroup[] | undefined): Required<TrainParamGroup>[] {
  const list = groups && groups.length ? groups : [{ lr: 1e-3 }];
  return list.map((g, i) => {
    const r = { params: g.params ?? [], lr: g.lr, betas: g.betas ?? ([0.9, 0.999] as [number, number]), eps: g.eps ?? 1e-8, weight_decay: g.weight_decay ?? 1e-2 };
    if (!(r.lr >= 0)) throw new Error(`OnnxTrainStep: param_groups[${i}].lr=${g.lr}; expected a number ≥ 0`);
    return r;
  });
}

/** HF name → group index: the group listing it, else the first group without a list (else group 0). */
function groupLookup(groups: Required<TrainParamGroup>[]): (name: string) => number {
  const byName = new Map<string, number>();
  groups.forEach((g, i) => g.params.forEach((n) => byName.set(n, i)));
  const rest = Math.max(0, groups.findIndex((g) => g.params.length === 0));
  return (name) => byName.get(name) ?? byName.get(name.replace(/^bert\./, "")) ?? rest;
}
