// The kernel's side of the five Jupyter channels, bound from a connection file: shell / stdin as ROUTER
// sockets, iopub as PUB (no high-water mark: output is queued, never dropped); heartbeat and control live in
// the lifeline worker (a busy main thread must not delay an interrupt), reached through `attach_control`.
// Each socket sends one message at a time, in order, through its own queue.
import * as fs from "fs";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "../client";
import { Message, receive_messages, serialize } from "../messaging";

export type ChannelName = "shell" | "control" | "stdin" | "iopub";

/** The control channel as the lifeline worker serves it. */
export type ControlLink = { on_message(handle: (m: Message, answered: boolean) => void): void; send(frames: Buffer[]): void };

/** Reads and checks a Jupyter connection file. */
export function read_connection_file(file: string): ConnectionInfo {
  let conn: ConnectionInfo;
  try {
    conn = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`connection file "${file}": ${(e as Error).message}`);
  }
  for (const k of ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const) {
    if (!Number.isInteger(conn[k])) throw new Error(`connection file "${file}": "${k}" should be a port number, got ${JSON.stringify(conn[k])}`);
  }
  if (conn.signature_scheme && conn.signature_scheme !== "hmac-sha256") {
    throw new Error(`connection file "${file}": signature_scheme "${conn.signature_scheme}" is not supported (expected hmac-sha256)`);
  }
  return conn;
}

export function address(conn: ConnectionInfo, port: number): string {
  return `${conn.transport ?? "tcp"}://${conn.ip ?? "127.0.0.1"}:${port}`;
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

  /** Control messages, with `answered` when the worker already replied (interrupt_request). */
  serve_control(handle: (m: Message, answered: boolean) => void): void {
    if (!this.control) throw new Error("channels: the control channel is not attached (the lifeline serves it)");
    this.control.on_message(handle);
  }

  /** Calls `handle` for every signed message arriving on a ROUTER channel (bad signatures are logged, dropped). */
  serve(name: "shell" | "stdin", handle: (m: Message) => void): void {
    const sock = this[name];
    receive_messages(sock as AsyncIterable<Buffer[]>, this.conn.key, handle, (e) => this.log(`${name}: ${e.message}`))
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
