// OnnxBertEngine: a BERT (any HF head) compiled to ONNX and run by onnxruntime-node.
//   const engine = await OnnxBertEngine.create({ config, weights, architecture });
//   const out = await engine.run({ input_ids, attention_mask, token_type_ids }, { output_attentions: true });
//   out.logits.dims, out.attentions[0].data ...
// One ORT session per (output_hidden_states, output_attentions) combination, built on first use.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf } from "../../backend";
import type { TensorData } from "../../hub/safetensors";
import { ARCHITECTURES, Architecture, buildBertGraph, GraphFlags } from "./bert_graph";
import { EngineBertConfig, WeightsLike } from "./config";
import { ExternalData } from "./external_data";
import { cached_graph, drop_cached_graph, graph_cache_key, int8_cache_dir } from "./graph_cache";
import { QuantizeOptions, ResolvedQuantize, resolveQuantize } from "./quantize";
import { createSession, loadOrt, OrtSession, SessionSettings } from "./runtime";

/** A plain output tensor, as onnxruntime returns it. */
export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

/** The HF output record: head outputs plus hidden_states / attentions when asked for. */
export interface EngineOutputs {
  [name: string]: OutputTensor | OutputTensor[] | undefined;
  last_hidden_state?: OutputTensor;
  pooler_output?: OutputTensor;
  logits?: OutputTensor;
  prediction_logits?: OutputTensor;
  seq_relationship_logits?: OutputTensor;
  start_logits?: OutputTensor;
  end_logits?: OutputTensor;
  hidden_states?: OutputTensor[];
  attentions?: OutputTensor[];
}

/** Integer ids: a tfjs tensor, nested arrays, or flat data with dims. */
export type IdsLike = tf.Tensor | number[][] | number[][][] | { data: ArrayLike<number> | BigInt64Array; dims: number[] };

/** The inputs of OnnxBertEngine.run: input_ids and the optional masks, as tensors, nested arrays or ORT-style `{ data, dims }`. */
export interface EngineInputs {
  input_ids: IdsLike;
  attention_mask?: IdsLike | null;
  token_type_ids?: IdsLike | null;
}

/** Which extra outputs an OnnxBertEngine run returns (each set of flags is its own session). */
export interface RunOptions {
  output_hidden_states?: boolean;
  output_attentions?: boolean;
}

/** Options of OnnxBertEngine.create: the config, weights and head, plus which graphs (fused, int8, outputs) to build sessions for. */
export interface CreateOptions extends SessionSettings {
  config: EngineBertConfig;
  /** HF parameter names → data (as `readSafetensors(...).tensors`). */
  weights?: WeightsLike;
  architecture: string;
  /**
   * Sessions from graphs written beforehand (`write_graph`, with this engine's fused / quantize options),
   * e.g. on another thread; each folder is removed once its session exists. Without `weights`, these are
   * the only sessions the engine will ever run.
   */
  graphs?: { flags: RunOptions; graph: WrittenGraph }[];
  /** Use ORT's fused contrib ops where possible (default true); false: plain ONNX ops only. */
  fused?: boolean;
  /**
   * Dynamic int8 weights for every dense layer (`{ per_channel: true }` by default; see quantize.ts):
   * ORT's u8s8 integer GEMM (DynamicQuantizeMatMul). null / false: fp32.
   */
  quantize?: QuantizeOptions | boolean | null;
  /**
   * Build the sessions for these output flag sets now (default: only the plain one, no hidden_states /
   * attentions) — with `keep_weights: false`, the only ones the engine will ever run.
   */
  sessions?: RunOptions[];
  /**
   * Where the session's initializers travel (default true): written one by one to a temporary
   * external-data file that onnxruntime maps (the folder is removed once the session exists), so the
   * weights are never all in memory twice — with lazy `weights` (a checkpoint reader's tensors), a
   * bert-base engine peaks at about the weight bytes. false: one in-memory model (the weights, their
   * transposed copies and the serialised model at once; ~2.5× the weights for bert-base).
   */
  external_data?: boolean;
  /**
   * Keep a reference to `weights` so other flag sets can be compiled later (default true). false lets
   * the JS copies be garbage-collected once the sessions exist (ORT holds its own), halving the
   * engine's resident memory; a run with flags not built up front is then an error.
   */
  keep_weights?: boolean;
  /**
   * Whether a quantized graph goes through the on-disk int8 graph cache (default true; see
   * graph_cache.ts and BERTLAB_INT8_CACHE): false builds it in a temporary folder every time.
   */
  cache?: boolean;
}

export interface Flat {
  data: BigInt64Array;
  dims: number[];
}

export function flatten(x: IdsLike, name: string): Flat {
  let values: ArrayLike<number | bigint>;
  let dims: number[];
  if (x instanceof tf.Tensor) {
    if (x.dtype !== "int32" && x.dtype !== "float32") throw new Error(`${name}: expected an int32 tensor, got ${x.dtype}`);
    values = x.dataSync() as Int32Array;
    dims = x.shape;
  } else if (Array.isArray(x)) {
    const nested = x as unknown[];
    dims = [];
    let level: unknown = nested;
    while (Array.isArray(level)) {
      dims.push(level.length);
      level = level[0];
    }
    values = (nested as number[][]).flat(2) as number[];
    if (values.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ragged nested array (dims [${dims}]); pad every row to the same length`);
  } else if (x && "data" in x && "dims" in x) {
    values = x.data;
    dims = [...x.dims];
  } else {
    throw new Error(`${name}: expected a tf.Tensor, nested number arrays or { data, dims }`);
  }
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(Math.trunc(v)));
  return { data, dims };
}

/** A graph written to a folder: `file` (model.onnx) and its external data beside it. */
export interface WrittenGraph {
  dir: string;
  file: string;
  /** Graph output names (as BuiltGraph.outputs). */
  outputs: string[];
  /** The folder is an entry of the int8 graph cache (graph_cache.ts): kept, not removed after opening. */
  cached?: boolean;
  /** A cached graph an earlier call or process wrote (nothing was quantized this time). */
  hit?: boolean;
}

/** Builds the graph into `dir` (model.onnx + model.onnx.data, initializers streamed as built); its outputs. */
function buildInto(dir: string, config: EngineBertConfig, weights: WeightsLike, architecture: string, flags: GraphFlags): string[] {
  const ext = new ExternalData(dir);
  let built;
  try {
    built = buildBertGraph(config, weights, architecture, flags, ext);
  } finally {
    ext.close();
  }
  fs.writeFileSync(path.join(dir, "model.onnx"), built.bytes);
  return built.outputs;
}

/**
 * Writes the graph of `architecture` to a fresh temporary folder, every initializer streamed to the
 * external-data file as it is built (lazy weights are read one at a time). The folder is removed by
 * the engine that opens it (`graphs` of OnnxBertEngine.create), or by the caller. A quantized graph
 * goes to the int8 graph cache instead (graph_cache.ts; unless BERTLAB_INT8_CACHE=off): opened from
 * there when an earlier call or process built the same one (`hit`), and never removed by the engine.
 */
export function write_graph(config: EngineBertConfig, weights: WeightsLike, architecture: string, flags: GraphFlags, options: { cache?: boolean; weights_id?: string | null } = {}): WrittenGraph {
  const quantize = resolveQuantize(flags.quantize);
  const root = quantize && options.cache !== false ? int8_cache_dir() : null;
  if (root) {
    const graphFlags = { output_hidden_states: !!flags.output_hidden_states, output_attentions: !!flags.output_attentions, fused: flags.fused !== false, transpose: flags.transpose ?? "js", quantize };
    const key = graph_cache_key({ config, weights, architecture, flags: graphFlags, ort_version: ortVersion(), weights_id: options.weights_id });
    try {
      return cached_graph(root, key, (dir) => buildInto(dir, config, weights, architecture, { ...flags, quantize }));
    } catch (e) {
      if (!isFsError(e)) throw e; // the graph itself cannot be built: the same error without the cache
      warnCacheOnce(root, e as Error); // an unusable cache folder costs speed, never the forward
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-onnx-"));
  try {
    return { dir, file: path.join(dir, "model.onnx"), outputs: buildInto(dir, config, weights, architecture, flags) };
  } catch (e) {
    removeDir(dir);
    throw e;
  }
}

function isFsError(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === "string" && /^E[A-Z]+$/.test((e as { code: string }).code);
}

let warnedCache = false;

function warnCacheOnce(root: string, e: Error): void {
  if (warnedCache) return;
  warnedCache = true;
  console.warn(`bertlab: the int8 graph cache ${root} cannot be used (${e.message.split("\n")[0]}); quantizing in a temporary folder instead. Set BERTLAB_INT8_CACHE to a writable folder, or to "off".`);
}

function ortVersion(): string {
  const ort = loadOrt() as unknown as { env?: { versions?: { node?: string; common?: string } } };
  return ort.env?.versions?.node ?? ort.env?.versions?.common ?? "unknown";
}

/** Removes a written graph's folder unless it belongs to the int8 cache. */
function releaseGraph(g: WrittenGraph): void {
  if (!g.cached) removeDir(g.dir);
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true }); // a session keeps its mappings (POSIX); where files in use cannot be removed, the OS temp cleaner does it
  } catch {
    // see above
  }
}

/**
 * The session of a written graph; its folder is removed once ORT has mapped what it keeps (a cached one
 * stays; one ORT cannot open is dropped from the cache, so the next use rebuilds it).
 */
async function openGraph(g: WrittenGraph, settings: SessionSettings): Promise<{ session: OrtSession; outputs: string[] }> {
  try {
    return { session: await createSession(g.file, settings), outputs: g.outputs };
  } catch (e) {
    if (g.cached) drop_cached_graph(g.dir);
    throw e;
  } finally {
    releaseGraph(g);
  }
}

/**
 * The graph and its ORT session: initializers streamed to an external-data file in a temporary folder
 * (removed once the session has mapped it), or, with external_data false, one in-memory model.
 */
async function compile(config: EngineBertConfig, weights: WeightsLike, architecture: string, flags: GraphFlags, settings: SessionSettings & { external_data?: boolean; cache?: boolean }): Promise<{ session: OrtSession; outputs: string[] }> {
  if (settings.external_data === false) {
    const built = buildBertGraph(config, weights, architecture, flags);
    return { session: await createSession(built.bytes, settings), outputs: built.outputs };
  }
  const g = write_graph(config, weights, architecture, flags, settings);
  try {
    return await openGraph(g, settings);
  } catch (e) {
    if (!g.hit) throw e;
    return openGraph(write_graph(config, weights, architecture, flags, settings), settings); // the damaged entry was dropped: rebuild it
  }
}

/**
 * The ONNX Runtime inference session of a loaded BERT (built from its weights in TypeScript); `model.engine = "onnx"` uses it behind `model.forward`. Python twin: an optimum `ORTModelForSequenceClassification`.
 */
export class OnnxBertEngine {
  readonly architecture: Architecture;
  readonly config: EngineBertConfig;
  /** The weight quantization of every session (null: fp32). */
  get quantize(): QuantizeOptions | null {
    return this.settings.quantize ?? null;
  }
  private sessions = new Map<string, Promise<{ session: OrtSession; outputs: string[] }>>();
  private weights: WeightsLike | null;
  private disposed = false;

  /** Session settings and graph options (not the weights: keep_weights:false must be able to drop them). */
  private readonly settings: SessionSettings & { fused?: boolean; quantize?: ResolvedQuantize | null; external_data?: boolean; cache?: boolean };

  private constructor(opts: CreateOptions) {
    this.architecture = opts.architecture as Architecture;
    this.config = opts.config;
    this.weights = opts.weights ?? null;
    this.settings = { threads: opts.threads, optimization: opts.optimization, spinning: opts.spinning, dynamic_block_base: opts.dynamic_block_base, profile: opts.profile, fused: opts.fused, quantize: resolveQuantize(opts.quantize, "OnnxBertEngine.create: quantize"), external_data: opts.external_data, cache: opts.cache };
  }

  /** Checks the architecture, loads onnxruntime-node and builds the default session (no extra outputs). */
  static async create(opts: CreateOptions): Promise<OnnxBertEngine> {
    const graphs = opts.graphs ?? [];
    let engine: OnnxBertEngine;
    try {
      if (!(ARCHITECTURES as readonly string[]).includes(opts.architecture)) {
        throw new Error(`OnnxBertEngine.create: architecture '${opts.architecture}' is not supported; expected one of ${ARCHITECTURES.join(", ")}`);
      }
      if (!opts.weights && !graphs.length) throw new Error("OnnxBertEngine.create: expected `weights` (named tensors) or `graphs` (written by write_graph)");
      loadOrt();
      engine = new OnnxBertEngine(opts);
    } catch (e) {
      for (const g of graphs) releaseGraph(g.graph);
      throw e;
    }
    const flagsOf = (o: RunOptions): GraphFlags => ({ output_hidden_states: !!o.output_hidden_states, output_attentions: !!o.output_attentions, fused: opts.fused, quantize: engine.settings.quantize });
    const opened = graphs.map(({ flags, graph }) => {
      const s = openGraph(graph, engine.settings);
      engine.sessions.set(OnnxBertEngine.key(flagsOf(flags)), s);
      return s;
    });
    await Promise.all(opened);
    for (const o of opts.sessions ?? (graphs.length ? [] : [{}])) await engine.session(flagsOf(o));
    if (opts.keep_weights === false) engine.weights = null;
    return engine;
  }

  private static key(flags: GraphFlags): string {
    return `${+flags.output_hidden_states}${+flags.output_attentions}${+(flags.fused !== false)}`;
  }

  private session(flags: GraphFlags): Promise<{ session: OrtSession; outputs: string[] }> {
    if (this.disposed) throw new Error("OnnxBertEngine: run() after dispose()");
    const key = OnnxBertEngine.key(flags);
    let s = this.sessions.get(key);
    if (!s) {
      if (!this.weights) {
        throw new Error(
          `OnnxBertEngine: no session was built for output_hidden_states=${flags.output_hidden_states}, output_attentions=${flags.output_attentions} ` +
            "and the weights were released (keep_weights: false); list these flags in `sessions` when creating the engine",
        );
      }
      s = compile(this.config, this.weights, this.architecture, flags, this.settings);
      s.catch(() => this.sessions.delete(key));
      this.sessions.set(key, s);
    }
    return s;
  }

  /** One forward pass. BertForMultipleChoice takes [batch, choices, seq] and returns logits [batch, choices]. */
  async run(inputs: EngineInputs, options: RunOptions = {}): Promise<EngineOutputs> {
    const flags: GraphFlags = { output_hidden_states: !!options.output_hidden_states, output_attentions: !!options.output_attentions, fused: this.settings.fused, quantize: this.settings.quantize };
    const ids = flatten(inputs.input_ids, "input_ids");
    const mc = this.architecture === "BertForMultipleChoice";
    const rank = mc ? 3 : 2;
    if (ids.dims.length !== rank) {
      throw new Error(`${this.architecture}: input_ids has shape [${ids.dims}]; expected ${mc ? "[batch, num_choices, seq]" : "[batch, seq]"}`);
    }
    const seq = ids.dims[rank - 1];
    const maxPos = this.config.max_position_embeddings ?? 512;
    if (seq > maxPos) throw new Error(`${this.architecture}: sequence length ${seq} exceeds config.max_position_embeddings=${maxPos}`);
    const rows = ids.data.length / seq;
    const pick = (x: IdsLike | null | undefined, name: string, fill: bigint): BigInt64Array => {
      if (x == null) return new BigInt64Array(ids.data.length).fill(fill);
      const f = flatten(x, name);
      if (f.dims.join(",") !== ids.dims.join(",")) throw new Error(`${name} has shape [${f.dims}]; expected the shape of input_ids [${ids.dims}]`);
      return f.data;
    };
    const mask = pick(inputs.attention_mask, "attention_mask", 1n);
    const types = pick(inputs.token_type_ids, "token_type_ids", 0n);
    const vocab = this.config.vocab_size ?? 30522;
    for (const v of ids.data) if (v < 0n || v >= BigInt(vocab)) throw new Error(`input_ids: id ${v} is outside the vocabulary [0, ${vocab})`);

    const ort = loadOrt();
    const { session, outputs } = await this.session(flags);
    const dims = [rows, seq];
    const result = await session.run({
      input_ids: new ort.Tensor("int64", ids.data, dims),
      attention_mask: new ort.Tensor("int64", mask, dims),
      token_type_ids: new ort.Tensor("int64", types, dims),
    });
    const out: EngineOutputs = {};
    for (const name of outputs) {
      const t = result[name];
      const tensor: OutputTensor = { data: t.data as Float32Array, dims: t.dims.map(Number) };
      const m = /^(hidden_states|attentions)\.(\d+)$/.exec(name);
      if (m) {
        const list = (out[m[1]] as OutputTensor[] | undefined) ?? [];
        list[Number(m[2])] = tensor;
        out[m[1]] = list;
      } else {
        out[name] = tensor;
      }
    }
    if (mc && out.logits) out.logits = { data: out.logits.data, dims: [ids.dims[0], ids.dims[1]] }; // [batch, num_choices]
    for (const t of Object.values(result)) (t as { dispose?: () => void }).dispose?.();
    return out;
  }

  /** Ends ORT's profiling of every session built so far (created with `profile: prefix`); each writes `<prefix>_<date>.json`. */
  async end_profiling(): Promise<void> {
    for (const s of this.sessions.values()) (await s).session.endProfiling();
  }

  /** Releases every ORT session (and the reference to the weights). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.weights = null;
    for (const s of all) {
      try {
        await (await s).session.release();
      } catch {
        // a session that failed to build has nothing to release
      }
    }
  }
}

/** Turns engine outputs into tfjs tensors (lists stay lists). The caller disposes them. */
export function outputs_to_tensors(out: EngineOutputs): Record<string, tf.Tensor | tf.Tensor[]> {
  const res: Record<string, tf.Tensor | tf.Tensor[]> = {};
  for (const [k, v] of Object.entries(out)) {
    if (!v) continue;
    res[k] = Array.isArray(v) ? v.map((t) => tf.tensor(t.data, t.dims, "float32")) : tf.tensor(v.data, v.dims, "float32");
  }
  return res;
}

/**
 * What `engine_for` needs from a model: its config, named weights and class name. A bertlab model
 * (src/models) qualifies as it is: `state_dict()` gives the weights, its class name the architecture.
 */
export interface ModelLike {
  config: EngineBertConfig;
  architecture?: string;
  /** Named parameters: TensorData or tfjs tensors / variables. */
  weights?: WeightsLike | Map<string, tf.Tensor> | Iterable<[string, tf.Tensor | TensorData]>;
  state_dict?: () => Map<string, tf.Tensor>;
  /** Dynamic int8 weights for the ONNX graph (a bertlab model's `quantize()` sets it); null: fp32. */
  quantization?: ResolvedQuantize | null;
}

/** tfjs tensors (e.g. a model's variables) → TensorData, copying the values once. */
export function weights_from_tensors(entries: Iterable<[string, tf.Tensor | TensorData]>): Map<string, TensorData> {
  const map = new Map<string, TensorData>();
  for (const [name, t] of entries) {
    if (t instanceof tf.Tensor) {
      map.set(name, { dtype: t.dtype === "int32" ? "int32" : "float32", shape: t.shape, data: t.dataSync() as Float32Array | Int32Array });
    } else {
      map.set(name, t);
    }
  }
  return map;
}

/** The HF class name to compile: `architecture`, the class name, config.architectures[0], else BertModel. */
export function model_architecture(model: ModelLike): string {
  const className = model.constructor?.name;
  return model.architecture ?? ((ARCHITECTURES as readonly string[]).includes(className) ? className : undefined) ?? (model.config as { architectures?: string[] }).architectures?.[0] ?? "BertModel";
}

/** The model's named weights as TensorData (tensors copied once); `what` names the caller in errors. */
export function model_weights(model: ModelLike, what: string): WeightsLike {
  const w = model.weights ?? model.state_dict?.();
  if (!w) throw new Error(`${what}: the model has neither 'weights' nor state_dict() to compile`);
  return w instanceof Map && [...w.values()].every((t) => !(t instanceof tf.Tensor))
    ? (w as Map<string, TensorData>)
    : Symbol.iterator in (w as object)
      ? weights_from_tensors(w as Iterable<[string, tf.Tensor | TensorData]>)
      : (w as Record<string, TensorData>);
}

const engines = new WeakMap<object, Promise<OnnxBertEngine>>();

/**
 * The (cached) engine of a model: `engine_for({ config, weights, architecture })`. The cache is keyed by
 * the model object; call `release_engine(model)` after changing its weights (e.g. after training).
 */
export function engine_for(model: ModelLike, settings: SessionSettings & { quantize?: QuantizeOptions | boolean | null } = {}): Promise<OnnxBertEngine> {
  let e = engines.get(model);
  if (!e) {
    const weights = model_weights(model, "engine_for");
    e = OnnxBertEngine.create({ quantize: model.quantization, ...settings, config: model.config, weights, architecture: model_architecture(model) });
    e.catch(() => engines.delete(model));
    engines.set(model, e);
  }
  return e;
}

/** Drops (and disposes) the cached engine of a model, e.g. after its weights changed. */
export async function release_engine(model: object): Promise<void> {
  const e = engines.get(model);
  engines.delete(model);
  if (e) await (await e.catch(() => null))?.dispose();
}
