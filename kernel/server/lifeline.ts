// The kernel's lifeline, on its own thread so a cell stuck in a loop cannot stop it: the heartbeat echo
// (Jupyter pings it to tell a busy kernel from a dead one), the control channel and the parent watch. An
// interrupt_request (and shutdown_request) is answered here at once and turned into SIGINT to the process (what stops a synchronous
// loop: vm's breakOnSigint); every control message is also handed to the main thread (which publishes its
// status and answers the others) and the main thread's control replies are sent from here. When the process
// that started the kernel is gone (its pid is no longer our parent, or it is a zombie), the worker ends every
// descendant of the kernel and then the kernel itself (SIGKILL: a blocked main thread cannot be asked politely).
import * as fs from "fs";
import * as path from "path";
import { Worker, isMainThread, parentPort, workerData } from "worker_threads";
import { DigestHistory, Message, new_message, receive_messages, serialize } from "../messaging";
import { kill_descendants } from "./processes";

export type LifelineOptions = {
  hb_address: string;
  parent_pid: number;
  poll_ms?: number;
  /** The control channel: its address, the HMAC key and the kernel's session id (for interrupt_reply). */
  control: { address: string; key: string; session: string };
  /** After a shutdown_request, how long the main thread has to end the process before this thread ends it (ms). */
  shutdown_grace_ms?: number;
};

/** A control message handed to the main thread; `answered` when the worker already replied (interrupt_request, shutdown_request). */
export type ControlMessage = { msg: Message; answered: boolean };

/** True while `pid` runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true; // no /proc: kill(0) said it exists
  }
}

export class Lifeline {
  private worker: Worker;
  private ready: Promise<void>;
  private control_handler: ((m: ControlMessage) => void) | null = null;
  /** Control messages that came before on_control (kept, answered in order). */
  private early: ControlMessage[] = [];

  /** `log` gets the worker's diagnostics (bad signatures, malformed control messages) for the kernel's log. */
  constructor(opts: LifelineOptions, private log: (line: string) => void = () => {}) {
    this.worker = new Worker(__filename, { workerData: opts });
    this.worker.unref();
    this.worker.on("message", (m: { control?: ControlMessage; log?: string }) => {
      if (m && typeof m === "object" && typeof m.log === "string") return this.log(m.log);
      if (!m || typeof m !== "object" || !m.control) return;
      const c = m.control;
      c.msg.identities = (c.msg.identities ?? []).map((b) => Buffer.from(b));
      c.msg.buffers = (c.msg.buffers ?? []).map((b) => Buffer.from(b));
      if (this.control_handler) this.control_handler(c);
      else this.early.push(c);
    });
    this.ready = new Promise((res, rej) => {
      this.worker.once("message", (m) => (m === "bound" ? res() : rej(new Error(String(m)))));
      this.worker.once("error", rej);
    });
  }

  started(): Promise<void> {
    return this.ready;
  }

  /** Calls `handle` for every signed control message (in the main thread, when it is free). */
  on_control(handle: (m: ControlMessage) => void): void {
    this.control_handler = handle;
    for (const m of this.early.splice(0)) handle(m);
  }

  /** Sends frames on the control channel (a reply: the request's identities lead them). */
  send_control(frames: Buffer[]): void {
    this.worker.postMessage({ send: frames });
  }

  /** Closes the heartbeat socket and ends the thread (zeromq must be closed before the process exits). */
  async close(): Promise<void> {
    const exited = new Promise<void>((res) => this.worker.once("exit", () => res()));
    this.worker.postMessage("close");
    await Promise.race([exited, new Promise((res) => setTimeout(res, 1000))]);
  }
}

async function worker_main(opts: LifelineOptions): Promise<void> {
  const zmq = await import("zeromq");
  const hb = new zmq.Reply();
  hb.linger = 0;
  try {
    await hb.bind(opts.hb_address);
  } catch (e) {
    parentPort!.postMessage(`heartbeat bind ${opts.hb_address} failed: ${(e as Error).message}`);
    return;
  }
  const { address, key, session } = opts.control;
  const control = new zmq.Router();
  control.linger = 1000;
  try {
    await control.bind(address);
  } catch (e) {
    parentPort!.postMessage(`control bind ${address} failed: ${(e as Error).message}`);
    return;
  }
  let tail: Promise<void> = Promise.resolve(); // one send at a time on the control socket
  const send = (frames: Buffer[]) => void (tail = tail.then(() => control.send(frames)).catch(() => {}));
  const log = (line: string) => parentPort!.postMessage({ log: line });
  // Answered here at once, whatever the main thread is doing: interrupt_request (SIGINT stops a synchronous
  // cell) and shutdown_request (SIGINT too, so the main thread gets free to end the process cleanly; if it has
  // not within the grace period, this thread ends the kernel and its descendants).
  const answer_here = new Set(["interrupt_request", "shutdown_request"]);
  receive_messages(control as AsyncIterable<Buffer[]>, key, (msg) => {
    const type = msg.header.msg_type;
    const answered = answer_here.has(type);
    if (answered) {
      const content = type === "shutdown_request" ? { status: "ok", restart: !!msg.content.restart } : { status: "ok" };
      process.kill(process.pid, "SIGINT"); // stops a running synchronous cell too (the main thread may be busy)
      send(serialize(new_message(type.replace(/_request$/, "_reply"), content, session, msg.header), key, msg.identities));
      if (type === "shutdown_request") {
        setTimeout(() => {
          fs.writeSync(2, "[bertlab kernel] shutdown_request: the main thread did not end the kernel in time; ending it from the lifeline\n");
          kill_descendants("SIGKILL");
          process.kill(process.pid, "SIGKILL");
        }, opts.shutdown_grace_ms ?? 5000).unref();
      }
    }
    parentPort!.postMessage({ control: { msg, answered } });
  }, (e) => log(`control: ${e.message}`), new DigestHistory()).catch((e: Error) => log(`control receive failed: ${e.message}`));
  const ppid = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === ppid && alive(opts.parent_pid)) return;
    kill_descendants("SIGKILL");
    process.kill(process.pid, "SIGKILL");
  }, opts.poll_ms ?? 250);
  parentPort!.on("message", (m: "close" | { send?: Uint8Array[] }) => {
    if (m !== "close") {
      if (m?.send) send(m.send.map((b) => Buffer.from(b)));
      return;
    }
    clearInterval(watch);
    void tail.finally(() => {
      hb.close();
      control.close();
      parentPort!.close();
    });
  });
  parentPort!.postMessage("bound");
  try {
    for await (const frames of hb) await hb.send(frames);
  } catch {
    // socket closed
  }
}

if (!isMainThread && workerData && (workerData as LifelineOptions).hb_address && path.basename(__filename).startsWith("lifeline")) {
  void worker_main(workerData as LifelineOptions);
}
