// Everything the kernel publishes on iopub, attributed to a parent request. Stream text is coalesced (one
// message per burst, at most STREAM_CHUNK characters each) but never dropped: the buffer is flushed before
// any other message, when it is large, and on a short timer, so order and content match the writes exactly.
import { Header, Message, new_message } from "../messaging";
import type { Channels } from "./channels";

export type Bundle = { data: Record<string, unknown>; metadata?: Record<string, unknown> };

const STREAM_CHUNK = 1 << 16;
const STREAM_DELAY_MS = 20;

export class IoPub {
  /** The request whose outputs are being produced (the executing cell; kept after it, like ipykernel). */
  parent: Partial<Header> = {};
  private buf: { name: "stdout" | "stderr"; parent: Partial<Header>; parts: string[]; size: number } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private channels: Channels, readonly session: string) {}

  publish(msg_type: string, content: object, parent: Partial<Header> = this.parent): Message {
    this.flush();
    return this.send(msg_type, content, parent);
  }

  private send(msg_type: string, content: object, parent: Partial<Header>): Message {
    const msg = new_message(msg_type, content, this.session, parent);
    this.channels.send("iopub", msg);
    return msg;
  }

  status(execution_state: "busy" | "idle" | "starting", parent: Partial<Header>): void {
    this.publish("status", { execution_state }, parent);
  }

  stream(name: "stdout" | "stderr", text: string): void {
    if (!text) return;
    if (this.buf && (this.buf.name !== name || this.buf.parent !== this.parent)) this.flush();
    this.buf ??= { name, parent: this.parent, parts: [], size: 0 };
    this.buf.parts.push(text);
    this.buf.size += text.length;
    if (this.buf.size >= STREAM_CHUNK) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), STREAM_DELAY_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const b = this.buf;
    this.buf = null;
    if (b) this.send("stream", { name: b.name, text: b.parts.join("") }, b.parent);
  }

  display(bundle: Bundle, opts: { display_id?: string; update?: boolean } = {}): void {
    if (opts.update && !opts.display_id) throw new Error("display: update needs a display_id (the display to replace)");
    const content = {
      data: json_bundle(bundle.data),
      metadata: bundle.metadata ?? {},
      transient: opts.display_id ? { display_id: opts.display_id } : {},
    };
    this.publish(opts.update ? "update_display_data" : "display_data", content);
  }

  clear_output(wait = false): void {
    this.publish("clear_output", { wait });
  }
}

/** A MIME bundle as JSON: bytes become base64, `+json` values stay objects, other values become text. */
export function json_bundle(data: Record<string, unknown>): Record<string, unknown> {
  if (data == null || typeof data !== "object") throw new Error(`display: expected a MIME bundle object, got ${typeof data}`);
  const out: Record<string, unknown> = {};
  for (const [mime, v] of Object.entries(data)) {
    if (v === undefined) continue;
    if (v instanceof Uint8Array) out[mime] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
    else if (/json$/.test(mime) || typeof v === "string") out[mime] = v;
    else out[mime] = typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  return out;
}
