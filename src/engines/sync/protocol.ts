// The messages between the main thread (bridge.ts) and the ONNX worker (worker.ts).
// Requests go through worker.postMessage; replies come back on a MessagePort that the main thread
// reads synchronously (receiveMessageOnPort) after Atomics.wait on the control words below.
// Output values travel in a SharedArrayBuffer, laid out as the reply's `outputs` say.
import type { EngineBertConfig } from "../onnx/config";
import type { WrittenGraph } from "../onnx/engine";
import type { ResolvedQuantize } from "../onnx/quantize";
import type { SessionSettings } from "../onnx/runtime";
import type { MessagePort } from "worker_threads";

/** Control words (Int32Array over a SharedArrayBuffer). */
export const SEQ = 0; // bumped (and notified) after every reply the worker posts
export const DEAD = 1; // 1 once the worker thread has exited
export const CONTROL_WORDS = 2;

/** Integer inputs as flat int32 values with their dims. */
export interface IdsArray {
  data: Int32Array;
  dims: number[];
}

/** Which extra outputs a session returns; each flag set is its own ORT session. */
export interface RunFlags {
  output_hidden_states: boolean;
  output_attentions: boolean;
}

/** The name of a flag set ("00", "10", "01", "11"). */
export function flags_key(f: RunFlags): string {
  return `${+f.output_hidden_states}${+f.output_attentions}`;
}

/**
 * One model's graph for the session of one flag set, written by the main thread (`write_graph`: each
 * weight read from its tensor and streamed into the external-data file, so no copy of all the weights
 * ever exists in JS). The worker opens the session, which removes the folder.
 */
export interface LoadRequest {
  type: "load";
  model: number;
  flags: RunFlags;
  architecture: string;
  config: EngineBertConfig;
  /** Dynamic int8 weights (model.quantize()); null: fp32. The graph was written with it. */
  quantize: ResolvedQuantize | null;
  graph: WrittenGraph;
}

export interface RunRequest {
  type: "run";
  id: number;
  model: number;
  inputs: { input_ids: IdsArray; attention_mask?: IdsArray; token_type_ids?: IdsArray };
  flags: RunFlags;
}

/** A bigger output buffer, sent after a reply asked for more room. */
export interface GrowRequest {
  type: "grow";
  id: number;
  buffer: SharedArrayBuffer;
}

/** A smaller output buffer for the next runs (no reply). */
export interface BufferRequest {
  type: "buffer";
  buffer: SharedArrayBuffer;
}

/** Drops every session of a model (no reply). */
export interface ReleaseRequest {
  type: "release";
  model: number;
}

export type Request = LoadRequest | RunRequest | GrowRequest | BufferRequest | ReleaseRequest;

/** Where one output lies in the shared buffer (in float32 elements). */
export interface OutputSlot {
  name: string; // "logits", "hidden_states.3", ...
  dims: number[];
  offset: number;
}

export type Reply =
  | { id: number; ok: true; outputs: OutputSlot[] }
  | { id: number; ok: false; error: string; stack?: string }
  | { id: number; need_bytes: number };

/** What the worker gets at start. */
export interface WorkerSetup {
  entry: string;
  control: SharedArrayBuffer;
  buffer: SharedArrayBuffer;
  port: MessagePort;
  settings: SessionSettings;
}

/** Id of replies that concern no request (the worker failed to start). */
export const STARTUP = -1;
