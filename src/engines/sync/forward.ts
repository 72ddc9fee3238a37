// `model.forward` on ONNX Runtime, synchronously: the engine choice (with_engine → model.engine →
// BERTLAB_ENGINE → "auto") and the run through the worker bridge, returning the same output record as
// the tfjs forward.
//   const r = engine_forward(model, inputs);   // r.output: the record, or null → run tfjs (r.reason says why)
// The worker gets a model's weights once and again whenever a parameter's dataId changed (assign,
// load_state_dict, from_pretrained into the same object); `release_sync_engine(model)` frees them.
import { tf } from "../../backend";
import { recordingGradients } from "../../ops/tape";
import { ACTIVATIONS } from "../onnx/activations";
import type { WeightsLike } from "../onnx/config";
import { write_graph } from "../onnx/engine";
import type { ViewableTensor } from "../onnx/graph_cache";
import { weights_source_id } from "../onnx/weights_source";
import type { EngineName, SwitchableModel } from "../switch";
import { onnx_unsupported_reason } from "../switch";
import { BridgeOutput, current_bridge, sync_bridge, SyncOnnxBridge } from "./bridge";
import { graph_inputs, InputMismatch } from "./inputs";
import type { RunFlags } from "./protocol";
import { check_engine_name, default_engine, onnx_unavailable_reason } from "./settings";

/** A bertlab model as the engine switch sees it (BertPreTrainedModel has all of it). */
export interface SyncModel extends SwitchableModel {
  /** The model's engine setting (its own, or the process default). */
  engine?: EngineName;
}

/** The model's weight quantization for ONNX runs (model.quantize()), as the worker's key part. */
function quantKey(model: SyncModel): string {
  const q = model.quantization;
  return q ? `${q.dtype}${q.per_channel ? "-pc" : ""}-${q.scheme}` : "fp32";
}

type Record_ = Record<string, tf.Tensor | tf.Tensor[] | undefined>;

/** Why the ONNX graph cannot give this call the tfjs forward's answer, or null when it can. */
export function sync_unsupported_reason(model: SyncModel, inputs: Record<string, unknown>): string | null {
  const why = onnx_unsupported_reason(model, inputs);
  if (why) return why;
  if (recordingGradients()) return "a gradient is being recorded (tf.grad / variableGrads / minimize), and the ONNX engine has no gradients";
  const c = model.config as SyncModel["config"] & { use_cache?: boolean };
  if (c.is_decoder && (inputs.use_cache ?? c.use_cache ?? true)) {
    return "a decoder (config.is_decoder) with use_cache returns past_key_values, which the ONNX graph does not compute; pass use_cache: false";
  }
  const act = c.hidden_act ?? "gelu";
  if (!(ACTIVATIONS as readonly string[]).includes(act)) return `config.hidden_act='${act}' has no ONNX formula`;
  const pos = c.position_embedding_type ?? "absolute";
  if (!["absolute", "relative_key", "relative_key_query"].includes(pos)) return `config.position_embedding_type='${pos}' has no ONNX graph`;
  return null;
}

/** Which engine a synchronous forward uses (choose_engine), and why tfjs when it is not ONNX. */
export interface EngineChoice {
  engine: "onnx" | "tfjs";
  /** Why tfjs was chosen (null when ONNX was). */
  reason: string | null;
}

function modelName(model: SyncModel): string {
  return model.constructor?.name ?? "model";
}

const forced = new WeakMap<object, EngineName>();

/** The setting that applies to this model's calls now: with_engine's, the model's own, the process default. */
export function engine_setting(model: SyncModel): EngineName {
  return forced.get(model) ?? model.engine ?? default_engine();
}

/**
 * Runs `fn` with the model's forward pinned to one engine, whatever `model.engine` says, e.g.
 * `with_engine(model, "tfjs", () => model(inputs))`. `fn` should be synchronous (as forward is): the
 * setting is restored when it returns. Nested calls restore the outer setting.
 */
export function with_engine<T>(model: object, engine: EngineName, fn: () => T): T {
  const before = forced.get(model);
  forced.set(model, check_engine_name(engine, "with_engine"));
  const restore = (): void => {
    if (before === undefined) forced.delete(model);
    else forced.set(model, before);
  };
  try {
    return fn();
  } finally {
    restore();
  }
}

const AUTO_HINT = ` (engine "auto" runs such calls on tfjs: model.engine = "auto", or BERTLAB_ENGINE=auto)`;

/** Which engine runs this call. `engine: "onnx"` with a call it cannot run is an error naming the reason. */
export function choose_engine(model: SyncModel, inputs: Record<string, unknown>): EngineChoice {
  const setting = engine_setting(model);
  if (setting === "tfjs") return { engine: "tfjs", reason: "the engine setting is 'tfjs'" };
  const why = sync_unsupported_reason(model, inputs) ?? onnx_unavailable_reason() ?? startFailure();
  if (why === null) return { engine: "onnx", reason: null };
  if (setting === "onnx") throw new Error(`${modelName(model)}.forward: engine 'onnx' cannot run this call: ${why}${AUTO_HINT}`);
  return { engine: "tfjs", reason: why };
}

function startFailure(): string | null {
  const b = current_bridge();
  return b?.failed_start ? b.error : null;
}

interface Loaded {
  key: number;
  bridge: SyncOnnxBridge;
  /** The weights' signature the worker's sessions were built from. */
  signature: object[];
  /** Their quantization (quantKey). */
  quant: string;
}

const loaded = new WeakMap<object, Loaded>();
let nextKey = 1;
const collected = new FinalizationRegistry<number>((key) => current_bridge()?.release(key));

function signature(model: SyncModel): object[] {
  return [...model.state_dict().values()].map((t) => t.dataId);
}

function same(a: object[], b: object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The model's entry when the worker's sessions hold its weights as they are now (signature `sig`). */
function current(model: SyncModel, bridge: SyncOnnxBridge, sig: object[]): Loaded | null {
  const prev = loaded.get(model);
  return prev && prev.bridge === bridge && bridge.loaded.has(prev.key) && same(prev.signature, sig) && prev.quant === quantKey(model) ? prev : null;
}

/**
 * A tensor's values without a copy where the backend allows it (the wasm backend's heap, through its public
 * typedArrayFromHeap), else dataSync()'s copy. Read it at once: the next tfjs op may move the heap.
 */
function valuesView(v: tf.Tensor): Float32Array {
  const b = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  if (v.dtype === "float32" && typeof b.typedArrayFromHeap === "function") {
    try {
      const view = b.typedArrayFromHeap(v);
      if (view.length === v.size) return view;
    } catch {
      // the tensor lives on another backend: copy it
    }
  }
  return v.dataSync() as Float32Array;
}

/**
 * Sends the model's weights for the session of `flags`: first use, a new flag set, or after the weights
 * changed (then the sessions built from the old weights are dropped first).
 */
function sendWeights(model: SyncModel, bridge: SyncOnnxBridge, sig: object[], flags: RunFlags): number {
  const prev = loaded.get(model);
  let key: number;
  if (prev && prev.bridge === bridge && same(prev.signature, sig) && prev.quant === quantKey(model)) key = prev.key;
  else {
    if (prev) prev.bridge.release(prev.key); // sessions of old weights (or of a stopped worker)
    key = nextKey++;
  }
  // each weight is read from its tensor when the graph builder reaches it and streamed into the graph's
  // external-data file, so no JS copy of all the weights exists next to the model's own
  const weights: WeightsLike = new Map();
  const state = model.state_dict();
  for (const [name, v] of state) {
    const lazy: ViewableTensor = { dtype: "float32", shape: v.shape.slice(), stored: "F32", read_into: (dest) => dest.set(v.dataSync() as Float32Array), view: () => valuesView(v) };
    weights.set(name, lazy); // view: the int8 cache's digest reads the values in place
  }
  const architecture = model.architecture ?? modelName(model);
  const quantize = model.quantization ?? null;
  let graph;
  try {
    // weights still exactly as from_pretrained read them: the int8 cache keys on the files, reading no weight
    graph = write_graph(model.config, weights, architecture, { ...flags, quantize }, { weights_id: quantize ? weights_source_id(model, state) : null });
  } catch (e) {
    throw new Error(`ONNX engine: ${(e as Error).message}`);
  }
  bridge.load(key, flags, { config: model.config, architecture, quantize, graph });
  collected.unregister(model);
  collected.register(model, key, model);
  loaded.set(model, { key, bridge, signature: sig, quant: quantKey(model) });
  return key;
}

/** The output record in the tfjs forward's layout (same keys, same order). */
function toRecord(architecture: string, outs: Record<string, BridgeOutput>): Record_ {
  const rec: Record_ = {};
  const lists: Record<string, tf.Tensor[]> = {};
  for (const [name, o] of Object.entries(outs)) {
    const t = tf.tensor(o.data, o.dims, "float32");
    const m = /^(hidden_states|attentions)\.(\d+)$/.exec(name);
    if (m) (lists[m[1]] ??= [])[Number(m[2])] = t;
    else rec[name] = t;
  }
  if (architecture === "BertModel") {
    if (lists.hidden_states) rec.hidden_states = lists.hidden_states;
    if (lists.attentions) rec.attentions = lists.attentions;
    return rec;
  }
  if (architecture === "BertLMHeadModel") rec.past_key_values = undefined;
  rec.hidden_states = lists.hidden_states;
  rec.attentions = lists.attentions;
  if (architecture === "BertLMHeadModel") rec.cross_attentions = undefined;
  return rec;
}

export interface EngineForward {
  /** The output record when ONNX ran the call (the caller owns its tensors); null: run tfjs. */
  output: Record_ | null;
  engine: "onnx" | "tfjs";
  /** Why tfjs runs it (null when ONNX did). */
  reason: string | null;
}

/** The weights' signature at each model's previous ONNX-eligible call (to tell training loops apart). */
const lastSeen = new WeakMap<object, object[]>();

const WEIGHTS_MOVING =
  "the weights changed since the ONNX session was built and again since the previous call (training in progress?); " +
  "auto recompiles once they hold still for one call";

/**
 * Runs the call on ONNX Runtime when the engine choice says so, blocking until the worker answers.
 * With "auto", a model whose weights keep changing between calls (eval forwards inside a training
 * loop) stays on tfjs instead of recompiling its ONNX sessions every call.
 */
export function engine_forward(model: SyncModel, inputs: Record<string, unknown>): EngineForward {
  const choice = choose_engine(model, inputs);
  const tfjs = (reason: string): EngineForward => ({ output: null, engine: "tfjs", reason });
  if (choice.engine === "tfjs") return tfjs(choice.reason!);
  const setting = engine_setting(model);
  const architecture = model.architecture ?? modelName(model);
  let graphInputs;
  try {
    graphInputs = graph_inputs(inputs, model.config, architecture === "BertForMultipleChoice");
  } catch (e) {
    if (!(e instanceof InputMismatch)) throw e;
    if (setting === "auto") return tfjs(e.message); // tfjs gives its own answer or error
    throw new Error(`${modelName(model)}.forward: engine 'onnx' cannot run this call: ${e.message}${AUTO_HINT}`);
  }
  let bridge: SyncOnnxBridge;
  try {
    bridge = sync_bridge();
  } catch (e) {
    if (setting === "auto") return tfjs((e as Error).message); // the worker cannot start here
    throw e;
  }
  const config = model.config as SyncModel["config"] & { output_hidden_states?: boolean; output_attentions?: boolean };
  const flags: RunFlags = {
    output_hidden_states: !!((inputs.output_hidden_states as boolean | undefined) ?? config.output_hidden_states),
    output_attentions: !!((inputs.output_attentions as boolean | undefined) ?? config.output_attentions),
  };
  const sig = signature(model);
  const seen = lastSeen.get(model);
  lastSeen.set(model, sig);
  const entry = current(model, bridge, sig);
  let key: number;
  if (entry && bridge.has(entry.key, flags)) key = entry.key;
  else {
    const moving = !entry && loaded.has(model) && !(seen && same(seen, sig));
    if (setting === "auto" && moving) return tfjs(WEIGHTS_MOVING);
    key = sendWeights(model, bridge, sig, flags);
  }
  let outs: Record<string, BridgeOutput>;
  try {
    outs = bridge.run(key, graphInputs, flags);
  } catch (e) {
    if (setting === "auto" && bridge.failed_start) return tfjs((e as Error).message);
    throw e;
  }
  return { output: toRecord(architecture, outs), engine: "onnx", reason: null };
}

/** Frees a model's ONNX sessions in the worker (model.dispose() calls this). */
export function release_sync_engine(model: object): void {
  const l = loaded.get(model);
  if (!l) return;
  loaded.delete(model);
  lastSeen.delete(model);
  collected.unregister(model);
  l.bridge.release(l.key);
}

/** Whether the worker holds sessions for this model. */
export function has_sync_engine(model: object): boolean {
  const l = loaded.get(model);
  return !!l && l.bridge.loaded.has(l.key) && !l.bridge.error;
}
