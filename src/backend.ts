// Tensor backend selection: tfjs-node (native TensorFlow) → tfjs-backend-wasm → cpu.
// `BERTLAB_BACKEND=node|wasm|cpu` forces one; a forced backend that cannot load is an error.
// Everything in bertlab (and every notebook that imports `tf` from "bertlab") shares this one engine.
import * as tf from "@tensorflow/tfjs";

export { tf };

/** A tfjs backend bertlab can run on: "node" (tfjs-node), "wasm", "cpu". */
export type BackendName = "node" | "wasm" | "cpu";

/** backend_info()'s answer: the tfjs backend in use and why it was chosen. */
export interface BackendInfo {
  /** bertlab's name for the active backend. */
  name: BackendName;
  /** tfjs's registry name (`tensorflow`, `wasm`, `cpu`). */
  tfjs_name: string;
  /** Why this backend was chosen, and why the ones before it were not. */
  reason: string;
  /** Whether BERTLAB_BACKEND forced the choice. */
  forced: boolean;
}

const TFJS_NAME: Record<BackendName, string> = { node: "tensorflow", wasm: "wasm", cpu: "cpu" };
const ORDER: BackendName[] = ["node", "wasm", "cpu"];

/**
 * tfjs's CPU backend prints "Hi, looks like you are running TensorFlow.js in Node.js ... install our node
 * backend" on its first tensor write, even when bertlab picked it on purpose or only uses it for a few
 * kernels; `backend_info()` already says which backend runs and why. This switches off that one banner
 * (the first-use flag of every CPU backend instance tfjs creates, present and future) and nothing else
 * tfjs warns about.
 */
function quiet_cpu_banner(): void {
  type Quiet = { firstUse?: boolean };
  const engine = tf.engine() as unknown as { registry: Record<string, Quiet>; registryFactory: Record<string, { factory: () => unknown; quiet?: boolean }> };
  const entry = engine.registryFactory?.cpu;
  if (entry && !entry.quiet) {
    const factory = entry.factory;
    entry.factory = () => {
      const backend = factory() as Quiet;
      if (backend && typeof backend.firstUse === "boolean") backend.firstUse = false;
      return backend;
    };
    entry.quiet = true;
  }
  const live = engine.registry?.cpu;
  if (live && typeof live.firstUse === "boolean") live.firstUse = false;
}
quiet_cpu_banner();

let selection: Promise<BackendInfo> | undefined;
let active: BackendInfo | undefined;

async function tryLoad(name: BackendName): Promise<void> {
  if (name === "node") {
    // Registers the "tensorflow" backend on the same tfjs-core when the native binary is installed.
    require("@tensorflow/tfjs-node");
  } else if (name === "wasm") {
    require("@tensorflow/tfjs-backend-wasm");
    // Kernels the wasm backend lacks (e.g. UnsortedSegmentSum, the gradient of an embedding lookup).
    require("./wasm_kernels").registerWasmKernels();
  }
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (name === "cpu") quiet_cpu_banner();
  if (!ok) throw new Error(`tf.setBackend('${TFJS_NAME[name]}') returned false`);
  await tf.ready();
}

function shortError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0];
}

async function select(): Promise<BackendInfo> {
  const env = process.env.BERTLAB_BACKEND?.trim().toLowerCase();
  if (env) {
    if (!(ORDER as string[]).includes(env)) {
      throw new Error(`BERTLAB_BACKEND='${process.env.BERTLAB_BACKEND}' is not a backend bertlab knows; expected one of: ${ORDER.join(", ")}`);
    }
    const name = env as BackendName;
    try {
      await tryLoad(name);
    } catch (e) {
      const hint = name === "node"
        ? " Install it with `npm install @tensorflow/tfjs-node` (it downloads libtensorflow), or unset BERTLAB_BACKEND to fall back to wasm."
        : "";
      throw new Error(`BERTLAB_BACKEND=${name} was requested but the ${name} backend could not be loaded: ${shortError(e)}.${hint}`);
    }
    return { name, tfjs_name: TFJS_NAME[name], reason: `forced by BERTLAB_BACKEND=${name}`, forced: true };
  }
  const skipped: string[] = [];
  for (const name of ORDER) {
    try {
      await tryLoad(name);
      const why = skipped.length ? `; ${skipped.join("; ")}` : "";
      return { name, tfjs_name: TFJS_NAME[name], reason: `${name} is the first backend that loaded${why}`, forced: false };
    } catch (e) {
      skipped.push(`${name} unavailable (${shortError(e)})`);
    }
  }
  throw new Error(`no tfjs backend could be loaded: ${skipped.join("; ")}`);
}

/**
 * Selects the backend once (on first call) and resolves with what was chosen.
 * Every async bertlab entry point (from_pretrained, Trainer, ...) awaits this.
 */
export function ready(): Promise<BackendInfo> {
  if (!selection) {
    selection = select().then((info) => (active = info));
    // A failed selection may be retried (e.g. after fixing BERTLAB_BACKEND).
    selection.catch(() => (selection = undefined));
  }
  return selection;
}

/** The active backend and why it was chosen; undefined until `ready()` has resolved. */
export function backend_info(): BackendInfo | undefined {
  return active;
}

/** Switches backend explicitly at run time (e.g. to compare engines in a notebook). */
export async function set_backend(name: BackendName): Promise<BackendInfo> {
  if (!(ORDER as string[]).includes(name)) {
    throw new Error(`set_backend('${name}'): expected one of ${ORDER.join(", ")}`);
  }
  try {
    await tryLoad(name);
  } catch (e) {
    throw new Error(`set_backend('${name}'): the ${name} backend could not be loaded: ${shortError(e)}`);
  }
  active = { name, tfjs_name: TFJS_NAME[name], reason: `set by set_backend('${name}')`, forced: true };
  selection = Promise.resolve(active);
  return active;
}
