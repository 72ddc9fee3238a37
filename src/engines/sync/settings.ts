// The engine switch's process default and what can be said about it.
//   BERTLAB_ENGINE=auto|tfjs|onnx   (default auto: ONNX for plain inference when onnxruntime-node loads)
//   set_default_engine("tfjs")      (overrides the environment for this process; null restores it)
//   engine_info()                   (is onnxruntime-node here, and if not, why; what auto resolves to)
// A model's own setting (`model.engine = "onnx"`) wins over the default.
import { loadOrt } from "../onnx/runtime";
import type { EngineName } from "../switch";
import { current_bridge } from "./bridge";

/**
 * The inference engine names `model.engine` and BERTLAB_ENGINE accept: "auto", "tfjs", "onnx".
 */
export const ENGINES: readonly EngineName[] = ["auto", "tfjs", "onnx"];

let override: EngineName | null = null;

/** The value as an engine name, or an error naming `what` and the accepted values. */
export function check_engine_name(value: unknown, what: string): EngineName {
  if (typeof value === "string" && (ENGINES as readonly string[]).includes(value.trim().toLowerCase())) return value.trim().toLowerCase() as EngineName;
  throw new Error(`${what}=${JSON.stringify(value)} is not an engine bertlab knows; expected one of: ${ENGINES.join(", ")}`);
}

/** The process default: set_default_engine's value, else BERTLAB_ENGINE, else "auto". */
export function default_engine(): EngineName {
  if (override) return override;
  const env = process.env.BERTLAB_ENGINE;
  return env === undefined || env.trim() === "" ? "auto" : check_engine_name(env, "BERTLAB_ENGINE");
}

/** Sets the process default engine (null: back to BERTLAB_ENGINE / "auto"). */
export function set_default_engine(engine: EngineName | null): void {
  override = engine === null ? null : check_engine_name(engine, "set_default_engine");
}

let ortReason: string | null | undefined;

/** Why onnxruntime-node cannot be used here, or null when it loads (checked once). */
export function onnx_unavailable_reason(): string | null {
  if (ortReason === undefined) {
    try {
      loadOrt();
      ortReason = null;
    } catch (e) {
      ortReason = e instanceof Error ? e.message : String(e);
    }
  }
  return ortReason;
}

/** What engine_info reports: whether onnxruntime-node loads, the default engine and where it comes from, what "auto" runs, the bridge's state. */
export interface EngineInfo {
  /** Whether onnxruntime-node loads in this process. */
  onnxruntime_node: boolean;
  /** Its version, when it loads. */
  onnxruntime_version: string | null;
  /** Why it cannot be used (not installed, the worker failed to start...), or null. */
  reason: string | null;
  /** The process default engine and where it comes from. */
  default_engine: EngineName;
  default_from: "set_default_engine" | "BERTLAB_ENGINE" | "built-in";
  /** What "auto" runs for plain eval-mode inference. */
  auto_runs: "onnx" | "tfjs";
  /** The synchronous bridge: whether its worker runs, how many models it holds, its error. */
  worker: { started: boolean; models: number; error: string | null };
}

function ortVersion(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require("onnxruntime-node/package.json") as { version: string }).version;
  } catch {
    return null;
  }
}

/** Where the engines stand in this process (for notebooks: `engine_info()` as a cell's last line). */
export function engine_info(): EngineInfo {
  const bridge = current_bridge();
  const bridgeError = bridge?.failed_start ? bridge.error : null;
  const reason = onnx_unavailable_reason() ?? bridgeError;
  const env = process.env.BERTLAB_ENGINE;
  return {
    onnxruntime_node: onnx_unavailable_reason() === null,
    onnxruntime_version: onnx_unavailable_reason() === null ? ortVersion() : null,
    reason,
    default_engine: default_engine(),
    default_from: override ? "set_default_engine" : env !== undefined && env.trim() !== "" ? "BERTLAB_ENGINE" : "built-in",
    auto_runs: reason === null ? "onnx" : "tfjs",
    worker: { started: bridge !== null && bridge.error === null, models: bridge?.loaded.size ?? 0, error: bridge?.error ?? null },
  };
}
