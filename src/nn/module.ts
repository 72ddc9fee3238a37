// The Module base: parameters and submodules registered by attribute name, so the dotted path of a
// parameter is its Hugging Face / PyTorch checkpoint key (`encoder.layer.0.attention.self.query.weight`).
//
// Parameters are declared (shape + init rule) in constructors and become tf.Variables when the root
// module is materialized: `materialize()` gives every variable the globally unique tfjs name
// `<model-uid>/<hf name>` (tfjs variable names are engine-global), filling each one either from given
// values (a checkpoint) or from its init rule with a seedable generator. From a variable to its HF name:
// `hf_name(variable)` (strips the uid); from an HF name to the variable: `model.get_parameter(name)`.
import * as os from "os";
import { tf } from "../backend";
import { filled_tensor } from "../ops/filled";
import { Callable } from "../utils/callable";
import { default_generator, Generator } from "./random";

/** How a parameter is initialised when no checkpoint value is given (HF `_init_weights`). */
export type Init =
  | { kind: "normal"; std: number; padding_idx?: number | null }
  | { kind: "zeros" }
  | { kind: "ones" };

export interface ParamSpec {
  shape: number[];
  init: Init;
  /** For a tied parameter: the module and local name that own the real variable. */
  tied_to?: { module: Module; name: string };
}

/** Plain float data for one parameter (e.g. from a checkpoint). */
export interface ParamValue {
  shape: number[];
  data: Float32Array;
}

/** A parameter's values written on demand into the tensor's own memory (a checkpoint read tensor by tensor). */
export interface ParamSource {
  shape: number[];
  read_into: (dest: Float32Array) => void;
}

export interface MaterializeOptions {
  /** Prefix of every tfjs variable name; default `<ClassName>_<n>`, unique in this process. */
  uid?: string;
  /** Values by HF name; a parameter without a value is initialised from its init rule. */
  values?: (name: string) => ParamValue | ParamSource | undefined;
  /** Generator for new weights (default: the global one seeded by `manual_seed`). */
  generator?: Generator;
  /** Whether the variables are trainable (default true). */
  trainable?: boolean;
}

export interface LoadResult {
  missing_keys: string[];
  unexpected_keys: string[];
}

let uidCounter = 0;
/** A process-unique id for a model instance, used as the prefix of its tfjs variable names. */
export function next_uid(base: string): string {
  uidCounter += 1;
  return `${base}_${uidCounter}`;
}

/** The HF parameter name of a bertlab variable (`BertModel_3/embeddings.LayerNorm.weight` → `embeddings.LayerNorm.weight`). */
export function hf_name(variable: tf.Variable | string): string {
  const n = typeof variable === "string" ? variable : variable.name;
  const i = n.indexOf("/");
  return i < 0 ? n : n.slice(i + 1);
}

function initValues(spec: ParamSpec, gen: Generator): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const init = spec.init;
  if (init.kind === "zeros") return new Float32Array(n);
  if (init.kind === "ones") return new Float32Array(n).fill(1);
  const data = gen.normal_array(n, 0, init.std);
  if (init.padding_idx !== undefined && init.padding_idx !== null) {
    const row = spec.shape[spec.shape.length - 1];
    data.fill(0, init.padding_idx * row, (init.padding_idx + 1) * row);
  }
  return data;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export class Module extends Callable<any[], any> {
  /** True in training mode (dropout active). Modules start in training mode, as in PyTorch. */
  training = true;
  private readonly _specs = new Map<string, ParamSpec>();
  private readonly _params = new Map<string, tf.Variable>();
  private readonly _children = new Map<string, Module | null>();
  private _hooks: ((m: Module, args: unknown[], output: unknown) => unknown)[] | null = null;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected _call(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const self = this as any;
    if (typeof self.forward !== "function") throw new Error(`${this.constructor.name} has no forward()`);
    return self.forward(...args);
  }

  /** Declares a parameter; it becomes a tf.Variable when the root module is materialized. */
  protected register_parameter(name: string, shape: number[], init: Init): void {
    if (this._specs.has(name) || this._children.has(name)) throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    this._specs.set(name, { shape, init });
  }

  /** Registers a submodule under its attribute name (its checkpoint path segment) and returns it. */
  protected register_module<M extends Module | null>(name: string, module: M): M {
    if (this._specs.has(name) || this._children.has(name)) throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    this._children.set(name, module);
    return module;
  }

  /** Makes parameter `name` the same variable as `module`'s parameter `target` (weight tying). */
  tie_parameter(name: string, module: Module, target: string): void {
    const spec = this._specs.get(name);
    if (!spec) throw new Error(`${this.constructor.name}: no parameter '${name}' to tie`);
    const other = module._specs.get(target);
    if (!other) throw new Error(`${module.constructor.name}: no parameter '${target}' to tie to`);
    if (other.shape.join() !== spec.shape.join()) {
      throw new Error(`cannot tie '${name}' [${spec.shape}] to '${target}' [${other.shape}]: shapes differ`);
    }
    spec.tied_to = { module, name: target };
    const shared = module._params.get(target);
    if (shared) {
      const own = this._params.get(name);
      if (own && own !== shared) own.dispose();
      this._params.set(name, shared);
    }
  }

  /**
   * Gives parameter `name` a new value of any shape (prune_heads, resize_token_embeddings). Before
   * materialization only the declared shape changes; after, the old variable is freed and a new one with
   * the same tfjs name and trainability holds `value`. Parameters tied to this one must be re-tied
   * (`retie_parameter`). Returns the new variable (null before materialization).
   */
  replace_parameter(name: string, value: tf.Tensor | number[]): tf.Variable | null {
    const spec = this._specs.get(name);
    if (!spec) throw new Error(`${this.constructor.name} has no parameter '${name}'`);
    if (spec.tied_to) throw new Error(`${this.constructor.name}.${name} is tied to ${spec.tied_to.module.constructor.name}.${spec.tied_to.name}; replace that one`);
    const shape = Array.isArray(value) ? value : value.shape.slice();
    spec.shape = shape;
    const old = this._params.get(name);
    if (!old) return null;
    if (Array.isArray(value)) throw new Error(`${this.constructor.name}.replace_parameter('${name}'): a materialized parameter needs a value, not a shape`);
    const fresh = tf.tidy(() => value.toFloat().clone());
    const { name: vname, trainable } = old;
    old.dispose();
    const v = tf.variable(fresh, trainable, vname);
    fresh.dispose();
    this._params.set(name, v);
    return v;
  }

  /** After the target of tied parameter `name` was replaced: takes its new shape and variable again. */
  retie_parameter(name: string): void {
    const spec = this._specs.get(name);
    if (!spec?.tied_to) throw new Error(`${this.constructor.name}.${name} is not a tied parameter`);
    const { module, name: target } = spec.tied_to;
    spec.shape = module._specs.get(target)!.shape.slice();
    const shared = module._params.get(target);
    if (shared) this._params.set(name, shared);
  }

  /**
   * Calls `hook(module, args, output)` after every `forward` of this module, as torch's
   * register_forward_hook: a hook that returns a value replaces the output. `remove()` undoes it.
   */
  register_forward_hook(hook: (module: Module, args: unknown[], output: unknown) => unknown): { remove(): void } {
    let list = this._hooks;
    if (!list) {
      const hooks: ((m: Module, a: unknown[], o: unknown) => unknown)[] = [];
      list = this._hooks = hooks;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const self = this as any;
      const original = self.forward;
      self.forward = (...args: unknown[]) => {
        let out = original.apply(self, args);
        for (const h of [...hooks]) {
          const r = h(self, args, out);
          if (r !== undefined) out = r;
        }
        return out;
      };
    }
    const hooks = list;
    hooks.push(hook);
    return { remove: () => { const i = hooks.indexOf(hook); if (i >= 0) hooks.splice(i, 1); } };
  }

  /** The variable of a local parameter; an error before the model is materialized. */
  param(name: string): tf.Variable {
    const v = this._params.get(name);
    if (v) return v;
    if (this._specs.has(name)) {
      throw new Error(`${this.constructor.name}.${name} has no value yet: build the model with from_pretrained(), or call materialize() first`);
    }
    throw new Error(`${this.constructor.name} has no parameter '${name}'`);
  }

  /** The named submodule (null when registered as absent, e.g. a model without pooler). */
  child(name: string): Module | null {
    if (!this._children.has(name)) throw new Error(`${this.constructor.name} has no submodule '${name}'`);
    return this._children.get(name) ?? null;
  }

  /** [path, module] for this module and every descendant, depth first, in registration order. */
  named_modules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this._children) {
      if (m) out.push(...m.named_modules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  /** Every declared parameter with its HF name, tied ones included (this is the state_dict's key list). */
  named_parameter_specs(): { name: string; module: Module; local: string; spec: ParamSpec }[] {
    const out: { name: string; module: Module; local: string; spec: ParamSpec }[] = [];
    for (const [path, m] of this.named_modules()) {
      for (const [local, spec] of m._specs) out.push({ name: path ? `${path}.${local}` : local, module: m, local, spec });
    }
    return out;
  }

  /** Whether every parameter has a variable. */
  get materialized(): boolean {
    return this.named_parameter_specs().every((p) => p.module._params.has(p.local));
  }

  /**
   * Creates the tf.Variables of this module tree (once). Each variable is named `<uid>/<hf name>`;
   * tied parameters share their target's variable.
   */
  materialize(options: MaterializeOptions = {}): this {
    if (this.materialized) return this;
    const uid = options.uid ?? next_uid(this.constructor.name);
    const gen = options.generator ?? default_generator;
    const trainable = options.trainable ?? true;
    const specs = this.named_parameter_specs();
    check_fits_in_memory(this.constructor.name, specs.filter((p) => !p.spec.tied_to && !p.module._params.has(p.local)).map((p) => [p.name, p.spec.shape]));
    const created: tf.Variable[] = [];
    try {
      for (const p of specs) {
        if (p.spec.tied_to || p.module._params.has(p.local)) continue;
        const given = options.values?.(p.name);
        if (given && given.shape.join() !== p.spec.shape.join()) {
          throw new Error(`materialize: value for '${p.name}' has shape [${given.shape}], expected [${p.spec.shape}]`);
        }
        // A ParamSource writes straight into the variable's memory; the variable shares the tensor's data.
        const v = tf.tidy(() => {
          const t = given && "read_into" in given ? filled_tensor(p.spec.shape, given.read_into) : tf.tensor(given ? given.data : initValues(p.spec, gen), p.spec.shape, "float32");
          return tf.variable(t, trainable, `${uid}/${p.name}`);
        });
        created.push(v);
        p.module._params.set(p.local, v);
      }
      for (const p of specs) {
        if (!p.spec.tied_to) continue;
        p.module._params.set(p.local, p.spec.tied_to.module.param(p.spec.tied_to.name));
      }
    } catch (e) {
      for (const v of created) v.dispose();
      for (const p of specs) p.module._params.delete(p.local);
      throw e;
    }
    return this;
  }

  /** [hf name, variable] in HF order; a tied variable is listed once, under its first name (as torch). */
  named_parameters(): [string, tf.Variable][] {
    const seen = new Set<tf.Variable>();
    const out: [string, tf.Variable][] = [];
    for (const p of this.named_parameter_specs()) {
      const v = p.module.param(p.local);
      if (seen.has(v)) continue;
      seen.add(v);
      out.push([p.name, v]);
    }
    return out;
  }

  parameters(): tf.Variable[] {
    return this.named_parameters().map(([, v]) => v);
  }

  /** The parameter with this HF name (tied names resolve to the shared variable). */
  get_parameter(name: string): tf.Variable {
    const p = this.named_parameter_specs().find((s) => s.name === name);
    if (!p) throw new Error(`${this.constructor.name} has no parameter '${name}'`);
    return p.module.param(p.local);
  }

  /** Every HF name → variable, tied names included (both names map to the same variable). */
  state_dict(): Map<string, tf.Variable> {
    return new Map(this.named_parameter_specs().map((p) => [p.name, p.module.param(p.local)] as [string, tf.Variable]));
  }

  /** Copies values into the existing variables. With strict (default), missing or unexpected keys are an error. */
  load_state_dict(values: Map<string, tf.Tensor | ParamValue>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    const state = this.state_dict();
    const missing_keys = [...state.keys()].filter((k) => !values.has(k));
    const unexpected_keys = [...values.keys()].filter((k) => !state.has(k));
    const errors: string[] = [];
    for (const [k, v] of values) {
      const target = state.get(k);
      if (!target) continue;
      if (v.shape.join() !== target.shape.join()) {
        errors.push(`size mismatch for ${k}: copying a param with shape [${v.shape}], the shape in current model is [${target.shape}]`);
      }
    }
    if (strict && (missing_keys.length || unexpected_keys.length)) {
      if (missing_keys.length) errors.push(`Missing key(s) in state_dict: ${missing_keys.map((k) => `"${k}"`).join(", ")}.`);
      if (unexpected_keys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpected_keys.map((k) => `"${k}"`).join(", ")}.`);
    }
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join("\n\t")}`);
    for (const [k, v] of values) {
      const target = state.get(k);
      if (!target) continue;
      tf.tidy(() => target.assign(v instanceof tf.Tensor ? v.toFloat() : tf.tensor(v.data, v.shape, "float32")));
    }
    return { missing_keys, unexpected_keys };
  }

  /** Sets training mode on this module and every descendant (dropout on). */
  train(mode = true): this {
    for (const [, m] of this.named_modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (dropout off); what from_pretrained returns. */
  eval(): this {
    return this.train(false);
  }

  /** Frees every variable of this module tree. The module cannot run afterwards. */
  dispose(): void {
    const seen = new Set<tf.Variable>();
    for (const p of this.named_parameter_specs()) {
      const v = p.module._params.get(p.local);
      if (v && !seen.has(v)) {
        seen.add(v);
        v.dispose();
      }
      p.module._params.delete(p.local);
    }
  }

  /** One-line description of this module's own settings (torch's extra_repr), e.g. `in_features=768, ...`. */
  extra_repr(): string {
    return "";
  }

  /** The module tree as torch prints it: `BertModel(\n  (embeddings): BertEmbeddings(...`. */
  repr(): string {
    const kids = [...this._children].filter(([, m]) => m !== null) as [string, Module][];
    const head = `${this.constructor.name}(${this.extra_repr()}`;
    if (kids.length === 0) return `${head})`;
    const lines = kids.map(([n, m]) => `  (${n}): ${m.repr().split("\n").join("\n  ")}`);
    return `${head}\n${lines.join("\n")}\n)`;
  }

  override toString(): string {
    return this.repr();
  }

  /** Node's util.inspect (and so tslab's printing of a cell value) shows the torch-style tree. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.repr();
  }

  /** Number of (unique) parameter values. */
  num_parameters(): number {
    const seen = new Set<Module | string>();
    let n = 0;
    for (const p of this.named_parameter_specs()) {
      if (p.spec.tied_to) continue;
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      n += p.spec.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  }
}

/**
 * Refuses, before allocating, weights that cannot fit this machine's memory (a config.json with a huge vocab_size
 * or hidden_size would otherwise end the process — in a notebook, the kernel — with V8's out-of-memory abort).
 */
export function check_fits_in_memory(owner: string, shapes: Array<[string, number[]]>, total_memory = os.totalmem()): void {
  let elements = 0;
  let largest: [string, number] = ["", 0];
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    elements += n;
    if (n > largest[1]) largest = [name, n];
  }
  const bytes = elements * 4;
  if (bytes > total_memory) {
    const gb = (b: number) => (b / 1e9).toFixed(1);
    throw new RangeError(`${owner}: its config describes ${elements.toLocaleString("en-US")} float32 parameters (${gb(bytes)} GB), more than this machine's `
      + `${gb(total_memory)} GB of memory; the largest is '${largest[0]}' (${largest[1].toLocaleString("en-US")} values). Check the config's sizes (vocab_size, hidden_size, intermediate_size, num_hidden_layers, max_position_embeddings).`);
  }
}
