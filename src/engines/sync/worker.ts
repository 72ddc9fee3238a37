// The ONNX worker thread: owns the onnxruntime-node sessions — one OnnxBertEngine per model and flag
// set (output_hidden_states / output_attentions), opened from the graph the main thread wrote (only ORT
// keeps the weights) — and answers the main thread's blocking calls. Started by bridge.ts through a small bootstrap; never imported
// by library code. Each run writes its outputs into the shared buffer and posts where they lie; when
// they do not fit it keeps them and asks for a bigger buffer (a "grow" request), so nothing reruns.
import { parentPort, workerData } from "worker_threads";
import { OnnxBertEngine, EngineOutputs } from "../onnx/engine";
import { CONTROL_WORDS, flags_key, GrowRequest, LoadRequest, OutputSlot, Reply, Request, RunRequest, SEQ, WorkerSetup } from "./protocol";

const setup = workerData as WorkerSetup;
const control = new Int32Array(setup.control, 0, CONTROL_WORDS);
let shared = new Float32Array(setup.buffer);
/** `${model}/${flags}` → its engine. */
const engines = new Map<string, Promise<OnnxBertEngine>>();
/** Outputs of a run that did not fit the shared buffer, waiting for a "grow". */
let pending: { id: number; list: { name: string; data: Float32Array; dims: number[] }[] } | null = null;

function reply(r: Reply): void {
  setup.port.postMessage(r);
  Atomics.add(control, SEQ, 1);
  Atomics.notify(control, SEQ);
}

function fail(id: number, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  reply({ id, ok: false, error: err.message, stack: err.stack });
}

function load(m: LoadRequest): void {
  const id = `${m.model}/${flags_key(m.flags)}`;
  const old = engines.get(id);
  if (old) void old.then((e) => e.dispose()).catch(() => undefined);
  let engine: Promise<OnnxBertEngine>;
  try {
    engine = OnnxBertEngine.create({ ...setup.settings, config: m.config, architecture: m.architecture, quantize: m.quantize, graphs: [{ flags: m.flags, graph: m.graph }] });
  } catch (e) {
    engine = Promise.reject(e);
  }
  engine.catch(() => undefined); // reported by the run that awaits it
  engines.set(id, engine);
}

async function release(model: number): Promise<void> {
  const mine = [...engines].filter(([id]) => id.startsWith(`${model}/`));
  for (const [id] of mine) engines.delete(id);
  for (const [, e] of mine) await (await e.catch(() => null))?.dispose();
}

/** Engine outputs in graph order: head outputs, hidden_states.i, attentions.i. */
function flatten(out: EngineOutputs): { name: string; data: Float32Array; dims: number[] }[] {
  const list: { name: string; data: Float32Array; dims: number[] }[] = [];
  for (const [key, v] of Object.entries(out)) {
    if (!v) continue;
    if (Array.isArray(v)) v.forEach((t, i) => list.push({ name: `${key}.${i}`, data: t.data, dims: t.dims }));
    else list.push({ name: key, data: v.data, dims: v.dims });
  }
  return list;
}

/** Copies the outputs into the shared buffer, or asks for a bigger one. */
function deliver(id: number, list: { name: string; data: Float32Array; dims: number[] }[]): void {
  const total = list.reduce((n, o) => n + o.data.length, 0);
  if (total > shared.length) {
    pending = { id, list };
    reply({ id, need_bytes: total * 4 });
    return;
  }
  pending = null;
  const slots: OutputSlot[] = [];
  let offset = 0;
  for (const o of list) {
    shared.set(o.data, offset);
    slots.push({ name: o.name, dims: o.dims, offset });
    offset += o.data.length;
  }
  reply({ id, ok: true, outputs: slots });
}

async function run(m: RunRequest): Promise<void> {
  const engine = engines.get(`${m.model}/${flags_key(m.flags)}`);
  if (!engine) throw new Error(`ONNX worker: no session was loaded for model #${m.model} with flags ${flags_key(m.flags)}`);
  const out = await (await engine).run(m.inputs, m.flags);
  deliver(m.id, flatten(out));
}

function grow(m: GrowRequest): void {
  shared = new Float32Array(m.buffer);
  if (!pending || pending.id !== m.id) throw new Error(`ONNX worker: a grow request for call #${m.id} has no outputs waiting`);
  deliver(m.id, pending.list);
}

async function handle(m: Request): Promise<void> {
  switch (m.type) {
    case "load":
      return load(m);
    case "release":
      return release(m.model);
    case "run":
      return run(m);
    case "grow":
      return grow(m);
    case "buffer":
      shared = new Float32Array(m.buffer);
      return;
  }
}

parentPort!.on("message", (m: Request) => {
  handle(m).catch((e) => {
    if (m.type === "run" || m.type === "grow") fail(m.id, e);
  });
});
