// Lazy loading of onnxruntime-node (an optionalDependency) and session creation with the options
// that are fastest on CPU: all graph optimisations (ORT fuses LayerNorm / Gelu / MatMul+Add) and
// one intra-op thread per core. Loading it switches ORT's telemetry off (ORT_DISABLE_TELEMETRY=1 unless
// the environment says otherwise): onnxruntime 1.2x+ embeds Microsoft's 1DS telemetry SDK ("MATSDK"),
// which writes an empty `mat-debug-<pid>.log` and a `.ses` file (first-launch time, SDK uid) into
// os.tmpdir() for every process that creates a session, and never removes them.
import * as os from "os";
import type * as ortTypes from "onnxruntime-node";

export type Ort = typeof ortTypes;
export type OrtSession = ortTypes.InferenceSession;

let cached: Ort | undefined;
let loadError: string | undefined;

/** Whether onnxruntime-node can be loaded here (never throws). */
export function onnx_available(): boolean {
  try {
    loadOrt();
    return true;
  } catch {
    return false;
  }
}

/** The onnxruntime-node module; a clear error when the optional package is absent. */
export function loadOrt(): Ort {
  if (cached) return cached;
  if (loadError) throw new Error(loadError);
  quietTelemetry();
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    cached = require("onnxruntime-node") as Ort;
    return cached;
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    loadError =
      `the ONNX engine needs the optional package onnxruntime-node, which could not be loaded (${why}). ` +
      "Install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` (skip fetches only CUDA files), " +
      "or use the tfjs engine.";
    throw new Error(loadError);
  }
}

/** The variable ORT reads (getenv, when its environment starts) to leave its telemetry SDK off. */
export const ORT_TELEMETRY_ENV = "ORT_DISABLE_TELEMETRY";

/** Sets ORT_DISABLE_TELEMETRY=1 for this process (and its children) unless it is already set. */
function quietTelemetry(): void {
  if (process.env[ORT_TELEMETRY_ENV] === undefined) process.env[ORT_TELEMETRY_ENV] = "1"; // Node's process.env writes through to the C environment ORT reads
}

/** Number of cores (the default intra-op thread count). */
export function cores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** ONNX Runtime session settings: threads, graph optimisation level, spinning, work splitting, profiling. */
export interface SessionSettings {
  /** Intra-op threads; default: one per core. */
  threads?: number;
  /** ORT graph optimisation level; default "all". */
  optimization?: "disabled" | "basic" | "extended" | "all";
  /**
   * Whether idle intra-op threads spin (ORT's default, lowest latency on an idle machine) or sleep
   * (kinder to a machine shared with other work). Default: spin.
   */
  spinning?: boolean;
  /**
   * ORT's `session.dynamic_block_base`: intra-op work is handed out in shrinking blocks (starting at
   * work / (threads · base)) instead of one fixed share per thread, so a thread the OS deschedules (a
   * machine shared with other work) does not hold the whole op back. 0: ORT's static split. Default 4
   * (bert-base s128 on the shared, loaded 2-core machine, alternating runs against the static split:
   * median per-run ratio 0.92× at b1 over 40 runs, 0.90–0.94× at b8 over 6–8 runs; the fastest b1 run 84 vs
   * 112 ms).
   */
  dynamic_block_base?: number;
  /** ORT's profiler: a file prefix; the session writes `<prefix>_<date>.json` (chrome-trace events) when profiling ends. */
  profile?: string;
}

/** A session over model bytes, or a model file (whose external data ORT maps from beside it). */
export async function createSession(model: Uint8Array | string, settings: SessionSettings = {}): Promise<OrtSession> {
  const ort = loadOrt();
  const base = settings.dynamic_block_base ?? 4;
  if (!(Number.isInteger(base) && base >= 0)) throw new Error(`dynamic_block_base: expected an integer ≥ 0, got ${base}`);
  const session: Record<string, unknown> = {};
  if (base > 0) session.dynamic_block_base = String(base);
  if (settings.spinning === false) Object.assign(session, { intra_op: { allow_spinning: "0" }, inter_op: { allow_spinning: "0" } });
  const opts = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: settings.optimization ?? "all",
    intraOpNumThreads: settings.threads ?? cores(),
    interOpNumThreads: 1,
    executionMode: "sequential",
    extra: { session },
    ...(settings.profile ? { enableProfiling: true, profileFilePrefix: settings.profile } : {}),
  } as const;
  return typeof model === "string" ? ort.InferenceSession.create(model, opts) : ort.InferenceSession.create(model, opts);
}
