// The kernel's lifeline, on its own thread so a cell stuck in a loop cannot stop it: the heartbeat echo
// (Jupyter pings it to tell a busy kernel from a dead one) and the parent watch. When the process that started
// the kernel is gone (its pid is no longer our parent, or it is a zombie), the worker ends every descendant of
// the kernel and then the kernel itself (SIGKILL: a blocked main thread cannot be asked politely).
import * as fs from "fs";
import * as path from "path";
import { Worker, isMainThread, parentPort, workerData } from "worker_threads";
import { kill_descendants } from "./processes";

export type LifelineOptions = { hb_address: string; parent_pid: number; poll_ms?: number };

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

  constructor(opts: LifelineOptions) {
    this.worker = new Worker(__filename, { workerData: opts });
    this.worker.unref();
    this.ready = new Promise((res, rej) => {
      this.worker.once("message", (m) => (m === "bound" ? res() : rej(new Error(String(m)))));
      this.worker.once("error", rej);
    });
  }

  started(): Promise<void> {
    return this.ready;
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
  const ppid = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === ppid && alive(opts.parent_pid)) return;
    kill_descendants("SIGKILL");
    process.kill(process.pid, "SIGKILL");
  }, opts.poll_ms ?? 250);
  parentPort!.on("message", (m) => {
    if (m !== "close") return;
    clearInterval(watch);
    hb.close();
    parentPort!.close();
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
