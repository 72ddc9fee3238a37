// Jupyter messaging protocol v5.3 wire format: HMAC-SHA256 signed multipart frames.
//   [identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]
import { createHmac, randomUUID, timingSafeEqual } from "crypto";

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
  /** The HMAC signature it arrived with (what a replay check remembers). */
  signature?: string;
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

/** A message whose frames are not a well-formed Jupyter message (bad signature, malformed JSON or header). */
export class BadMessage extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadMessage";
  }
}

const HEADER_FIELDS = ["msg_id", "msg_type", "session", "username", "date", "version"] as const;
const is_object = (v: unknown): v is Record<string, unknown> => v != null && typeof v === "object" && !Array.isArray(v);
/** A value from an untrusted message, short and without control characters, for a log line. */
export const quote = (v: unknown): string => JSON.stringify(String(v).slice(0, 60)).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** Checks the four JSON parts of a message: objects, and a header whose fields are strings (msg_id, msg_type non-empty). */
export function check_parts(parts: unknown[]): void {
  const names = ["header", "parent_header", "metadata", "content"];
  parts.forEach((p, i) => {
    if (!is_object(p)) throw new BadMessage(`jupyter message: ${names[i]} should be a JSON object, got ${p === null ? "null" : Array.isArray(p) ? "an array" : typeof p}`);
  });
  const header = parts[0] as Record<string, unknown>;
  for (const f of HEADER_FIELDS) {
    const v = header[f];
    // username, date and version are optional in practice (some clients leave them out); present, they must be strings
    if (v === undefined && f !== "msg_id" && f !== "msg_type" && f !== "session") continue;
    if (typeof v !== "string") throw new BadMessage(`jupyter message: header.${f} should be a string, got ${v === null ? "null" : typeof v}`);
  }
  if (!header.msg_id || !header.msg_type) throw new BadMessage("jupyter message: header.msg_id and header.msg_type must not be empty");
}

/** Frames → message, checking the signature (in constant time) and the shape. Throws BadMessage naming what was wrong. */
export function deserialize(frames: Buffer[], key: string): Message {
  const at = frames.findIndex((f) => f.length === DELIM.length && f.toString() === DELIM);
  if (at < 0 || frames.length < at + 6) {
    throw new BadMessage(`jupyter message: expected "${DELIM}" followed by 5 frames, got ${frames.length} frames`);
  }
  const raw = frames.slice(at + 2, at + 6);
  const signature = frames[at + 1].toString("latin1");
  if (key) {
    const h = createHmac("sha256", key);
    for (const f of raw) h.update(f);
    const expected = Buffer.from(h.digest("hex"));
    const got = frames[at + 1];
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new BadMessage(`jupyter message: bad HMAC signature (got ${quote(signature.slice(0, 16))}...)`);
  }
  let parts: unknown[];
  try {
    parts = raw.map((f) => JSON.parse(f.toString("utf8")));
  } catch (e) {
    throw new BadMessage(`jupyter message: a part is not JSON (${(e as Error).message})`);
  }
  check_parts(parts);
  const [header, parent_header, metadata, content] = parts as [Header, Partial<Header>, Message["metadata"], Message["content"]];
  return { header, parent_header, metadata, content, buffers: frames.slice(at + 6), identities: frames.slice(0, at), signature };
}

/**
 * The signatures seen lately (ipykernel's Session.digest_history): a signed message that arrives a second time
 * is a replay and is refused. Bounded: past `size` entries the oldest tenth is forgotten.
 */
export class DigestHistory {
  private seen = new Set<string>();
  constructor(readonly size = 1 << 16) {}
  /** Records the signature; false if it was seen before (a replay). Unsigned messages (no key) are not tracked. */
  admit(signature: string | undefined): boolean {
    if (!signature) return true;
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.size) {
      let drop = Math.ceil(this.size / 10);
      for (const s of this.seen) {
        if (drop-- <= 0) break;
        this.seen.delete(s);
      }
    }
    return true;
  }
}

/**
 * Hands every correctly signed, well-formed message arriving on a socket (any async iterable of frame sets, e.g.
 * a zeromq socket) to `handle`; a frame set that does not verify, a replayed signature (when `replay` is given)
 * and an exception thrown by `handle` go to `on_bad` and the loop goes on. Resolves when the socket closes;
 * rejects only if receiving fails.
 */
export async function receive_messages(
  sock: AsyncIterable<Buffer[]>, key: string, handle: (m: Message) => void, on_bad: (e: Error) => void, replay?: DigestHistory,
): Promise<void> {
  for await (const frames of sock) {
    let m: Message;
    try {
      m = deserialize(frames, key);
      if (replay && !replay.admit(m.signature)) throw new BadMessage(`jupyter message: duplicate signature (a replayed ${quote(m.header.msg_type)} message), dropped`);
    } catch (e) {
      on_bad(e as Error);
      continue;
    }
    try {
      handle(m);
    } catch (e) {
      on_bad(e as Error);
    }
  }
}
