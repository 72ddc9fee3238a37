// The kernel's side of the five Jupyter channels, bound from a connection file: shell / stdin as ROUTER
// sockets, iopub as PUB (no high-water mark: output is queued, never dropped); heartbeat and control live in
// the lifeline worker (a busy main thread must not delay an interrupt), reached through `attach_control`.
// Each socket sends one message at a time, in order, through its own queue.
import * as fs from "fs";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "../client";
import { DigestHistory, Message, receive_messages, serialize } from "../messaging";

export type ChannelName = "shell" | "control" | "stdin" | "iopub";

/** The control channel as the lifeline worker serves it. */
export type ControlLink = { on_message(handle: (m: Message, answered: boolean) => void): void; send(frames: Buffer[]): void };

const PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;

/**
 * Reads and checks a Jupyter connection file, failing closed as ipykernel does: the key must be a string (a
 * missing, null or non-string key is refused — only an explicit `""` means "no authentication", and the kernel
 * says so on its log), ports are integers 1–65535, the transport is tcp or ipc.
 */
export function read_connection_file(file: string): ConnectionInfo {
  let conn: ConnectionInfo;
  try {
    conn = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`connection file "${file}": ${(e as Error).message}`);
  }
  const bad = (what: string) => new Error(`connection file "${file}": ${what}`);
  if (conn == null || typeof conn !== "object" || Array.isArray(conn)) throw bad("expected a JSON object");
  const shown = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));
  if (typeof conn.key !== "string") {
    throw bad(`"key" should be the HMAC key as a string (or "" to run without authentication), got ${conn.key === undefined ? "no key" : conn.key === null ? "null" : `a ${typeof conn.key}`}; refusing to run unsigned code`);
  }
  for (const k of PORTS) {
    const p = conn[k] as unknown;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535) throw bad(`"${k}" should be a port number 1-65535, got ${shown(p)}`);
  }
  const transport = conn.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") throw bad(`"transport" should be "tcp" or "ipc", got ${shown(transport)}`);
  if (conn.ip !== undefined && (typeof conn.ip !== "string" || !conn.ip)) throw bad(`"ip" should be a non-empty string, got ${shown(conn.ip)}`);
  if (conn.signature_scheme !== undefined && conn.signature_scheme !== "hmac-sha256") {
    throw bad(`signature_scheme ${shown(conn.signature_scheme)} is not supported (expected "hmac-sha256")`);
  }
  return conn;
}

/** A channel's zeromq address as jupyter_client makes it: `tcp://{ip}:{port}`, `ipc://{ip}-{port}` (a file path). */
export function address(conn: ConnectionInfo, port: number): string {
  const transport = conn.transport ?? "tcp";
  if (transport === "ipc") return `ipc://${conn.ip || "kernel-ipc"}-${port}`;
  return `tcp://${conn.ip ?? "127.0.0.1"}:${port}`;
}

/** One socket's outgoing queue: zeromq allows one pending send per socket. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  constructor(private sock: zmq.Socket & { send(frames: Buffer[]): Promise<void> }, private on_error: (e: Error) => void) {}
  push(frames: Buffer[]): void {
    this.pending++;
    this.tail = this.tail
      .then(() => this.sock.send(frames))
      .catch((e: Error) => this.on_error(e))
      .finally(() => this.pending--);
  }
  /** Resolves when everything queued so far has been handed to zeromq. */
  drained(): Promise<void> {
    return this.tail;
  }
  get size(): number {
    return this.pending;
  }
}

export class Channels {
  readonly shell = new zmq.Router();
  readonly stdin = new zmq.Router();
  readonly iopub = new zmq.Publisher();
  private queues: Record<Exclude<ChannelName, "control">, SendQueue>;
  private control: ControlLink | null = null;
  /** Signatures seen on every channel of this kernel (a message replayed on any channel is refused). */
  readonly replay = new DigestHistory();

  constructor(readonly conn: ConnectionInfo, private log: (line: string) => void) {
    const err = (name: string) => (e: Error) => this.log(`${name} send failed: ${e.message}`);
    this.queues = {
      shell: new SendQueue(this.shell, err("shell")),
      stdin: new SendQueue(this.stdin, err("stdin")),
      iopub: new SendQueue(this.iopub, err("iopub")),
    };
    for (const s of [this.shell, this.stdin, this.iopub]) s.linger = 1000;
    this.iopub.sendHighWaterMark = 0; // unlimited: a cell printing 200,000 lines loses none of them
  }

  async bind(): Promise<void> {
    await Promise.all([
      this.shell.bind(address(this.conn, this.conn.shell_port)),
      this.stdin.bind(address(this.conn, this.conn.stdin_port)),
      this.iopub.bind(address(this.conn, this.conn.iopub_port)),
    ]);
  }

  /** The control channel, served by the lifeline worker. */
  attach_control(link: ControlLink): void {
    this.control = link;
  }

  /**
   * Control messages, with `answered` when the worker already replied (interrupt_request, shutdown_request).
   * The worker checked signature and shape; here a signature already seen on another channel is refused.
   */
  serve_control(handle: (m: Message, answered: boolean) => void): void {
    if (!this.control) throw new Error("channels: the control channel is not attached (the lifeline serves it)");
    this.control.on_message((m, answered) => {
      if (!this.replay.admit(m.signature)) return this.log(`control: jupyter message: duplicate signature (a replayed message), dropped`);
      try {
        handle(m, answered);
      } catch (e) {
        this.log(`control: ${(e as Error).stack ?? e}`);
      }
    });
  }

  /**
   * Calls `handle` for every signed, well-formed message arriving on a ROUTER channel; bad signatures, replays
   * and malformed messages are written to the kernel's log (never to a cell's output) and dropped.
   */
  serve(name: "shell" | "stdin", handle: (m: Message) => void): void {
    const sock = this[name];
    receive_messages(sock as AsyncIterable<Buffer[]>, this.conn.key, handle, (e) => this.log(`${name}: ${e.message}`), this.replay)
      .catch((e: Error) => {
        if (!sock.closed) this.log(`${name} receive failed: ${e.message}`);
      });
  }

  /** Sends on a channel; replies go to the identities of the request they answer. */
  send(name: ChannelName, msg: Message, identities: Buffer[] = []): void {
    if (name === "control") {
      if (!this.control) throw new Error("channels: the control channel is not attached (the lifeline serves it)");
      return this.control.send(serialize(msg, this.conn.key, identities));
    }
    this.queues[name].push(serialize(msg, this.conn.key, name === "iopub" ? [Buffer.from(msg.header.msg_type)] : identities));
  }

  async drained(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.drained()));
  }

  close(): void {
    for (const s of [this.shell, this.stdin, this.iopub]) if (!s.closed) s.close();
  }
}
