// Opt-in multi-threading for tfjs-backend-wasm in Node (tfjs 4.22 turns it off there: its pthread
// workers are created from blob: URLs, which Node's worker_threads cannot load).
// The shim, used only when asked for, before the wasm backend initialises:
//   1. sets WASM_HAS_MULTITHREAD_SUPPORT so the threaded-SIMD binary is chosen, and the thread count;
//   2. lets the wasm bundle (only it) see enough cores for that count (it caps at cores / 2);
//   3. records the parts of the Blobs tfjs builds during init and turns URL.createObjectURL of the
//      pthread worker script into a temp file;
//   4. rewrites that worker's import of the factory Blob into an importScripts of the factory file
//      shipped in the package (wasm-out/tfjs-backend-wasm-threaded-simd.js).
// It depends on tfjs-backend-wasm internals (pinned at 4.22.0): any failure leaves the single-threaded
// backend in place, and `wasm_threads_status()` says why.
// Measured (bench/README.md): 4.22 runs its XNNPACK matmul without the thread pool, so BERT's dense
// layers stay on one thread with or without this shim; only pool-using kernels gain.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf } from "../backend";

/** What wasm_threads_status reports: threads asked for, threads the wasm backend runs, and why. */
export interface WasmThreadsStatus {
  requested: number;
  /** Threads the wasm backend actually runs (1 = the shim did not take). */
  active: number;
  reason: string;
}

let status: WasmThreadsStatus = { requested: 1, active: 1, reason: "not enabled (single-threaded wasm, the tfjs default in Node)" };
let installed = false;

const WORKER_IMPORT = /if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{var objectUrl=URL\.createObjectURL\(e\.data\.urlOrBlob\);importScripts\(objectUrl\);URL\.revokeObjectURL\(objectUrl\)\}/;

/**
 * Asks the wasm backend for `threads` threads. Call before the wasm backend initialises (before
 * `ready()` / `set_backend("wasm")`); afterwards it only reports. Returns false when the shim cannot
 * apply (the backend is then single-threaded as usual).
 */
export function enable_wasm_threads(threads = Math.max(2, os.cpus().length)): boolean {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`enable_wasm_threads: expected a positive integer thread count, got ${threads}`);
  if (tf.findBackend("wasm")) {
    status = { ...wasm_threads_status(), reason: `the wasm backend was already initialised with ${wasm_threads_status().active} thread(s); call enable_wasm_threads before ready()` };
    return false;
  }
  status = { requested: threads, active: 1, reason: "pending: the wasm backend has not initialised yet" };
  if (threads === 1) {
    status.reason = "1 thread requested";
    return true;
  }
  try {
    const wasmPkg = require("@tensorflow/tfjs-backend-wasm") as { setThreadsCount(n: number): void; version_wasm: string };
    if (!wasmPkg.version_wasm.startsWith("4.")) throw new Error(`tfjs-backend-wasm ${wasmPkg.version_wasm} is not the 4.x this shim was written for`);
    install();
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    wasmPkg.setThreadsCount(threads);
    return true;
  } catch (e) {
    status.reason = `shim not applied: ${(e as Error).message}`;
    return false;
  }
}

/** Hooks Blob and URL.createObjectURL (idempotent). Only tfjs's two JavaScript blobs are redirected. */
function install(): void {
  if (installed) return;
  installed = true;
  const parts = new WeakMap<Blob, string>();
  const NativeBlob = globalThis.Blob;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-wasm-threads-"));
  // The Emscripten factory as shipped (the bundle's copy refers to rollup's require$$N names).
  const factoryFile = require.resolve("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js");
  class RecordingBlob extends NativeBlob {
    constructor(blobParts?: BlobPart[], options?: BlobPropertyBag) {
      super(blobParts, options);
      if (blobParts && blobParts.every((p) => typeof p === "string")) parts.set(this, (blobParts as string[]).join(""));
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  // The backend caps its thread pool at logical cores / 2: calls from the tfjs-backend-wasm bundle
  // (and only those) see twice the requested thread count.
  const osModule = require("os") as typeof os; // the CommonJS module object (the import is read-only)
  const nativeCpus = osModule.cpus.bind(osModule);
  osModule.cpus = () => {
    const cpus = nativeCpus();
    if (!/tfjs-backend-wasm/.test(new Error().stack ?? "")) return cpus;
    const want = 2 * status.requested;
    return Array.from({ length: Math.max(want, cpus.length) }, (_, i) => cpus[i % cpus.length]);
  };
  // Emscripten ref()s a pthread worker while it runs, and the pool's threads run for good, so the
  // process would never exit: workers started from our worker file never hold the event loop.
  const wt = require("worker_threads") as typeof import("worker_threads");
  const NativeWorker = wt.Worker;
  const workerFile = path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js");
  class PoolWorker extends NativeWorker {
    constructor(file: string | URL, options?: import("worker_threads").WorkerOptions) {
      super(file, options);
      if (String(file) === workerFile) {
        this.unref();
        this.ref = () => undefined;
      }
    }
  }
  wt.Worker = PoolWorker as typeof NativeWorker;
  const nativeCreate = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob) => {
    const text = obj instanceof NativeBlob ? parts.get(obj) : undefined;
    if (text === undefined || !WORKER_IMPORT.test(text)) return nativeCreate(obj);
    // the pthread worker script: written to a file, importing the factory from its file
    fs.writeFileSync(workerFile, text.replace(WORKER_IMPORT, `importScripts(${JSON.stringify(factoryFile)});`));
    return workerFile;
  };
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
}

/** What the shim achieved; reads the backend's real thread count once it is initialised. */
export function wasm_threads_status(): WasmThreadsStatus {
  if (tf.getBackend() === "wasm") {
    try {
      const wasmPkg = require("@tensorflow/tfjs-backend-wasm") as { getThreadsCount(): number };
      const active = wasmPkg.getThreadsCount();
      if (status.reason.startsWith("pending")) {
        status = { ...status, active, reason: active > 1 ? `${active} threads running (Node shim)` : "the backend initialised single-threaded" };
      } else {
        status = { ...status, active };
      }
    } catch {
      // keep the last status
    }
  }
  return { ...status };
}
