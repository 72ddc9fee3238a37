// The synchronous bridge to onnxruntime-node: a worker thread owns the ORT sessions, and the main
// thread blocks on Atomics.wait until the worker has written a run's outputs into a SharedArrayBuffer.
//   const bridge = sync_bridge();            // starts the worker on first use (unref'd)
//   bridge.load(key, flags, { config, architecture, graph });  // per flag set (write_graph); again after weight changes
//   const out = bridge.run(key, inputs, flags);                   // blocks; { name → { data, dims } }
// Node allows Atomics.wait on its main thread; ORT's session.run is async only, so this is how a
// synchronous `model.forward` can use it. Replies (where outputs lie, or an error) are read with
// receiveMessageOnPort after the wake-up; the output values are copied out of the shared buffer.
import * as fs from "fs";
import * as path from "path";
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from "worker_threads";
import type { EngineBertConfig } from "../onnx/config";
import type { WrittenGraph } from "../onnx/engine";
import type { ResolvedQuantize } from "../onnx/quantize";
import type { SessionSettings } from "../onnx/runtime";
import { CONTROL_WORDS, DEAD, flags_key, IdsArray, LoadRequest, Reply, Request, RunFlags, RunRequest, SEQ, STARTUP, WorkerSetup } from "./protocol";

/** A plain output: float32 values (a private copy) and dims. */
export interface BridgeOutput {
  data: Float32Array;
  dims: number[];
}

/** Options of the synchronous ONNX bridge (a worker thread running ONNX Runtime for synchronous forwards): session settings, shared buffer sizes, timeout. */
export interface BridgeOptions {
  /** ORT session settings for every session the worker builds (default: the engine's defaults). */
  settings?: SessionSettings;
  /**
   * Initial size of the shared output buffer in bytes (default 4 MiB). It grows when a call's outputs do
   * not fit, and shrinks back when one above `shrink_above_bytes` was less than an eighth used.
   */
  initial_bytes?: number;
  /** Default 64 MiB. */
  shrink_above_bytes?: number;
  /** How long one call may block before it is an error (default: BERTLAB_ONNX_TIMEOUT_MS or 10 minutes). */
  timeout_ms?: number;
}

// Runs in the worker: registers tsx when the library runs from TypeScript sources (tests), loads the
// worker module, and reports a failed start or an exit through the control words and the port.
const BOOTSTRAP = `
const { workerData } = require("worker_threads");
const control = new Int32Array(workerData.control, 0, ${CONTROL_WORDS});
const wake = () => { Atomics.add(control, ${SEQ}, 1); Atomics.notify(control, ${SEQ}); };
process.on("exit", () => { Atomics.store(control, ${DEAD}, 1); wake(); });
try {
  if (workerData.entry.endsWith(".ts")) require(require.resolve("tsx/cjs", { paths: [require("path").dirname(workerData.entry)] }));
  require(workerData.entry);
} catch (e) {
  workerData.port.postMessage({ id: ${STARTUP}, ok: false, error: e && e.message ? e.message : String(e), stack: e && e.stack });
  Atomics.store(control, ${DEAD}, 1);
  wake();
  process.exit(1);
}
`;

function workerEntry(): string {
  const ext = path.extname(__filename) === ".ts" ? ".ts" : ".js";
  return path.join(__dirname, `worker${ext}`);
}

function defaultTimeout(): number {
  const env = Number(process.env.BERTLAB_ONNX_TIMEOUT_MS);
  return Number.isFinite(env) && env > 0 ? env : 10 * 60_000;
}

/**
 * Runs ONNX Runtime sessions on a worker thread while the caller waits synchronously, so `model.forward` stays synchronous on the ONNX engine.
 */
export class SyncOnnxBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly control: Int32Array;
  private buffer: SharedArrayBuffer;
  private nextId = 1;
  private broken: string | null = null;
  /** True when the worker never came up (the same would happen again: no automatic restart). */
  failed_start = false;
  private readonly timeout: number;
  private readonly initialBytes: number;
  private readonly shrinkAbove: number;
  /** Model key → the flag sets ("00", "11"...) it has sessions for in the worker. */
  readonly loaded = new Map<number, Set<string>>();

  constructor(options: BridgeOptions = {}) {
    this.timeout = options.timeout_ms ?? defaultTimeout();
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    this.control = new Int32Array(control);
    this.initialBytes = options.initial_bytes ?? 4 << 20;
    this.shrinkAbove = options.shrink_above_bytes ?? 64 << 20;
    this.buffer = new SharedArrayBuffer(this.initialBytes);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const setup: WorkerSetup = { entry: workerEntry(), control, buffer: this.buffer, port: port2, settings: options.settings ?? {} };
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: setup, transferList: [port2], execArgv: [] });
    this.worker.unref(); // never keeps the process alive
    this.port.unref();
    this.worker.on("error", () => undefined); // reported to the blocked caller through the port
  }

  /** Why the worker cannot serve calls any more, or null while it is alive. */
  get error(): string | null {
    return this.broken;
  }

  /** Sends one model's written graph for the session of one flag set (replacing that session, if any); the worker removes its folder. */
  load(key: number, flags: RunFlags, model: { config: EngineBertConfig; architecture: string; quantize?: ResolvedQuantize | null; graph: WrittenGraph }): void {
    try {
      this.check();
    } catch (e) {
      fs.rmSync(model.graph.dir, { recursive: true, force: true });
      throw e;
    }
    const config = JSON.parse(JSON.stringify(model.config)) as EngineBertConfig; // plain keys only
    const msg: LoadRequest = { type: "load", model: key, flags, architecture: model.architecture, config, quantize: model.quantize ?? null, graph: model.graph };
    this.worker.postMessage(msg);
    const sets = this.loaded.get(key) ?? new Set<string>();
    sets.add(flags_key(flags));
    this.loaded.set(key, sets);
  }

  /** Whether the worker has a session for this model and flag set. */
  has(key: number, flags: RunFlags): boolean {
    return !this.broken && !!this.loaded.get(key)?.has(flags_key(flags));
  }

  /** Drops every session of a model in the worker (asynchronously; nothing to wait for). */
  release(key: number): void {
    if (!this.loaded.delete(key) || this.broken) return;
    this.worker.postMessage({ type: "release", model: key } satisfies Request);
  }

  /** One forward pass; blocks the calling thread until the worker answers. */
  run(key: number, inputs: RunRequest["inputs"], flags: RunRequest["flags"]): Record<string, BridgeOutput> {
    this.check();
    if (!this.has(key, flags)) throw new Error(`SyncOnnxBridge.run: model #${key} has no session for flags ${flags_key(flags)} in the worker; call load() first`);
    const id = this.nextId++;
    const transfer = [inputs.input_ids, inputs.attention_mask, inputs.token_type_ids].filter((x): x is IdsArray => !!x).map((x) => x.data.buffer as ArrayBuffer);
    this.worker.postMessage({ type: "run", id, model: key, inputs, flags } satisfies RunRequest, transfer);
    let r = this.wait(id);
    if ("need_bytes" in r) {
      this.buffer = new SharedArrayBuffer(Math.max(r.need_bytes, 2 * this.buffer.byteLength));
      this.worker.postMessage({ type: "grow", id, buffer: this.buffer } satisfies Request);
      r = this.wait(id);
    }
    if ("need_bytes" in r) throw new Error(`SyncOnnxBridge: the worker still needs ${r.need_bytes} bytes after growing the buffer`);
    if (!r.ok) throw new Error(`ONNX engine (worker): ${r.error}`);
    const view = new Float32Array(this.buffer);
    const out: Record<string, BridgeOutput> = {};
    let used = 0;
    for (const s of r.outputs) {
      const n = s.dims.reduce((a, b) => a * b, 1);
      out[s.name] = { data: view.slice(s.offset, s.offset + n), dims: s.dims };
      used += 4 * n;
    }
    // a big buffer grown for one large call (e.g. MLM logits with attentions) is not kept for small ones
    if (this.buffer.byteLength > this.shrinkAbove && used * 8 < this.buffer.byteLength) {
      this.buffer = new SharedArrayBuffer(Math.max(this.initialBytes, 2 * used));
      this.worker.postMessage({ type: "buffer", buffer: this.buffer } satisfies Request);
    }
    return out;
  }

  /** Bytes of the shared output buffer (it only grows). */
  get buffer_bytes(): number {
    return this.buffer.byteLength;
  }

  /** Stops the worker (its sessions go with it). Later calls are errors. */
  terminate(): void {
    if (!this.broken) this.broken = "the ONNX worker was terminated";
    this.loaded.clear();
    void this.worker.terminate();
  }

  private check(): void {
    if (this.broken) throw new Error(`ONNX engine: ${this.broken}`);
  }

  /** Blocks until the reply to call `id` arrives (stale replies are skipped), the worker dies, or the timeout. */
  private wait(id: number): Reply {
    const deadline = Date.now() + this.timeout;
    for (;;) {
      const seen = Atomics.load(this.control, SEQ);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const r = got.message as Reply;
        if (r.id === id) return r;
        if (r.id === STARTUP && "error" in r) {
          this.broken = `the ONNX worker failed to start: ${r.error}`;
          this.failed_start = true;
          throw new Error(`ONNX engine: ${this.broken}`);
        }
        continue; // a reply nobody waits for any more
      }
      if (Atomics.load(this.control, DEAD) === 1) {
        this.broken = "the ONNX worker thread exited";
        throw new Error(`ONNX engine: ${this.broken} while call #${id} was running`);
      }
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.control, SEQ, seen, left) === "timed-out") {
        this.terminate();
        this.broken = `a call took longer than ${this.timeout} ms (BERTLAB_ONNX_TIMEOUT_MS); the worker was stopped`;
        throw new Error(`ONNX engine: ${this.broken}`);
      }
    }
  }
}

let shared: SyncOnnxBridge | null = null;

/**
 * The process-wide bridge, started on first use; a new one after the worker died or timed out. A
 * worker that failed to start is not retried: its error is thrown again.
 */
export function sync_bridge(): SyncOnnxBridge {
  if (shared?.failed_start) throw new Error(`ONNX engine: ${shared.error}`);
  if (!shared || shared.error) shared = new SyncOnnxBridge();
  return shared;
}

/** The bridge if it was started (for status reports); never starts one. */
export function current_bridge(): SyncOnnxBridge | null {
  return shared;
}
