// Jupyter messaging protocol v5.3 wire format: HMAC-SHA256 signed multipart frames.
//   [identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]
import { createHmac, randomUUID } from "crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIM = "<IDS|MSG>";

export type Header = {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
};

export type Message = {
  header: Header;
  parent_header: Partial<Header>;
  metadata: { [key: string]: unknown };
  content: { [key: string]: any };
  buffers: Buffer[];
  /** Routing identities of a ROUTER socket's peer (kept so the reply goes back to it). */
  identities?: Buffer[];
};

export function sign(key: string, parts: string[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export function new_message(msg_type: string, content: object, session: string, parent: Partial<Header> = {}): Message {
  return {
    header: {
      msg_id: randomUUID(),
      session,
      username: "bertlab",
      date: new Date().toISOString(),
      msg_type,
      version: PROTOCOL_VERSION,
    },
    parent_header: parent,
    metadata: {},
    content: content as { [key: string]: unknown },
    buffers: [],
  };
}

/** Message → frames, led by its routing identities (a DEALER client sends none; a ROUTER reply sends the request's). */
export function serialize(msg: Message, key: string, identities: Buffer[] = []): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => JSON.stringify(p));
  return [...identities, Buffer.from(DELIM), Buffer.from(sign(key, parts)), ...parts.map((p) => Buffer.from(p)), ...msg.buffers];
}

/** Frames → message, checking the signature. Throws naming what was wrong. */
export function deserialize(frames: Buffer[], key: string): Message {
  const at = frames.findIndex((f) => f.length === DELIM.length && f.toString() === DELIM);
  if (at < 0 || frames.length < at + 6) {
    throw new Error(`jupyter message: expected "${DELIM}" followed by 5 frames, got ${frames.length} frames`);
  }
  const parts = frames.slice(at + 2, at + 6).map((f) => f.toString("utf8"));
  const expected = sign(key, parts);
  const got = frames[at + 1].toString();
  if (expected !== got) throw new Error(`jupyter message: bad HMAC signature (got "${got.slice(0, 16)}...")`);
  const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p));
  return { header, parent_header, metadata, content, buffers: frames.slice(at + 6), identities: frames.slice(0, at) };
}

/**
 * Hands every correctly signed message arriving on a socket (any async iterable of frame sets, e.g. a
 * zeromq socket) to `handle`; a frame set that does not verify goes to `on_bad` and is skipped.
 * Resolves when the socket closes; rejects if receiving (or `handle`) fails.
 */
export async function receive_messages(
  sock: AsyncIterable<Buffer[]>, key: string, handle: (m: Message) => void, on_bad: (e: Error) => void,
): Promise<void> {
  for await (const frames of sock) {
    let m: Message;
    try {
      m = deserialize(frames, key);
    } catch (e) {
      on_bad(e as Error);
      continue;
    }
    handle(m);
  }
}
