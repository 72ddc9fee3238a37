// A Jupyter kernel client without Python: starts a kernel process (bertlab's by default, kernel_argv()) with a temporary connection file
// on random ports and talks to it over zeromq (shell, iopub, control, stdin, heartbeat).
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ChildProcess, spawn } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import * as zmq from "zeromq";
import { Message, new_message, receive_messages, serialize } from "./messaging";
import { kernel_argv } from "./kernelspec";
import { LOST_MARKER } from "./tslab_launch";

export type ConnectionInfo = {
  /** tcp: the address to bind; ipc: the path prefix of the socket files (`{ip}-{port}`, as jupyter_client names them). */
  ip: string;
  transport: "tcp" | "ipc";
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
};

export type KernelOptions = {
  /** Working directory of the kernel process: cells resolve imports (and `bertlab`) from here. */
  cwd: string;
  /** "ipc": unix sockets `{dir}/kernel-{port}` named as jupyter_client names them (default "tcp" on random ports). */
  transport?: "tcp" | "ipc";
  /** Command to start; `{connection_file}` is replaced. Default: kernel_argv() (the default engine). */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the first kernel_info_reply (ms). */
  startup_timeout_ms?: number;
  /** The HMAC key (default: 32 random bytes as hex; "" runs the kernel without authentication). */
  key?: string;
};

/** `aborted` is the protocol's word (bertlab's kernel, ipykernel); tslab's `abort` is read as the same. */
export type ExecuteReply = {
  status: "ok" | "error" | "aborted" | "timeout";
  execution_count?: number;
  /** The execute_reply's whole content (ename / evalue / traceback, payload, user_expressions), when one came. */
  content?: { [key: string]: any };
};

/** Asks the OS for `n` distinct free TCP ports on 127.0.0.1. */
export async function free_ports(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    while (ports.length < n) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((res, rej) => s.once("error", rej).listen(0, "127.0.0.1", () => res()));
      ports.push((s.address() as net.AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

// After a timeout the kernel is interrupted (SIGINT); this is how long its error reply may take.
const INTERRUPT_GRACE_MS = 5000;

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

// Kernels started by this process die with it: on exit, and on SIGINT/SIGTERM (then the signal is re-raised).
const running = new Set<ChildProcess>();
/** Connection files (they hold the HMAC key) of kernels still starting: removed whatever happens. */
const connection_dirs = new Set<string>();
function kill_all(): void {
  for (const p of running) p.kill("SIGKILL");
  running.clear();
  for (const d of connection_dirs) fs.rmSync(d, { recursive: true, force: true });
  connection_dirs.clear();
}
let hooked = false;
function on_signal(sig: NodeJS.Signals): void {
  kill_all();
  unhook();
  process.kill(process.pid, sig);
}
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", kill_all);
  process.on("SIGINT", on_signal);
  process.on("SIGTERM", on_signal);
}
function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off("exit", kill_all);
  process.off("SIGINT", on_signal);
  process.off("SIGTERM", on_signal);
}
/** Signal/exit hooks stay installed while a kernel runs or a connection file exists. */
function maybe_unhook(): void {
  if (running.size === 0 && connection_dirs.size === 0) unhook();
}
function track(p: ChildProcess): void {
  hook();
  running.add(p);
  p.once("exit", () => {
    running.delete(p);
    maybe_unhook();
  });
}

export class KernelClient {
  readonly session = randomUUID();
  private proc!: ChildProcess;
  private conn!: ConnectionInfo;
  private dir!: string;
  private ipc_dir: string | null = null;
  // shell and stdin share one routing id (as jupyter_client's session does): the kernel sends input_request to
  // the identity of the execute_request it belongs to
  private shell = new zmq.Dealer({ routingId: `shell-${this.session}` });
  private control = new zmq.Dealer();
  private stdin = new zmq.Dealer({ routingId: `shell-${this.session}` });
  private iopub = new zmq.Subscriber();
  private hb = new zmq.Request();
  private replies = new Map<string, (m: Message) => void>();
  private listeners = new Map<string, (m: Message) => void>();
  private exited: { code: number | null; signal: string | null } | null = null;
  private on_exit: Array<() => void> = [];
  private last_iopub = 0;
  private lost = false;
  /** iopub messages whose request has finished (e.g. a late update_display_data from a live chart). */
  unrouted: ((m: Message) => void) | null = null;
  /** The kernel_info_reply content (language_info, implementation, banner). */
  info: { [key: string]: any } = {};
  /** The kernel process's own stdout/stderr (startup messages, crashes): kept for error reports. */
  log = "";
  /** Answers the kernel's input_request (sent only for requests with allow_stdin); "" by default. */
  on_input: (prompt: string, password: boolean) => string | Promise<string> = () => "";

  static async start(opts: KernelOptions): Promise<KernelClient> {
    const k = new KernelClient();
    try {
      await k.launch(opts);
    } catch (e) {
      await k.shutdown();
      throw e;
    }
    return k;
  }

  private async launch(opts: KernelOptions): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-"));
    connection_dirs.add(this.dir);
    const ipc = opts.transport === "ipc";
    // ipc sockets live beside the connection file's folder (which goes as soon as the kernel answers), until shutdown
    if (ipc) this.ipc_dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-ipc-"));
    const [shell_port, iopub_port, stdin_port, control_port, hb_port] = ipc ? [1, 2, 3, 4, 5] : await free_ports(5);
    this.conn = {
      ip: ipc ? path.join(this.ipc_dir!, "kernel") : "127.0.0.1",
      transport: ipc ? "ipc" : "tcp",
      shell_port,
      iopub_port,
      stdin_port,
      control_port,
      hb_port,
      key: opts.key ?? randomBytes(32).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: "bertlab",
    };
    hook();
    const file = path.join(this.dir, "connection.json");
    fs.writeFileSync(file, JSON.stringify(this.conn), { mode: 0o600 });

    if (!fs.existsSync(opts.cwd) || !fs.statSync(opts.cwd).isDirectory()) {
      throw new Error(`kernel cwd "${opts.cwd}" is not a directory`);
    }
    const argv = (opts.argv ?? kernel_argv()).map(
      (a) => a.replace("{connection_file}", file),
    );
    this.proc = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(this.proc);
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20000);
      if (this.log.includes(LOST_MARKER)) this.lost = true;
    };
    this.proc.stdout!.on("data", keep);
    this.proc.stderr!.on("data", keep);
    this.proc.on("exit", (code, signal) => {
      this.exited = { code, signal };
      for (const f of this.on_exit.splice(0)) f();
    });
    this.proc.on("error", (e) => {
      this.log += `\nspawn ${argv[0]} failed: ${e.message}`;
      this.exited = { code: -1, signal: null };
      for (const f of this.on_exit.splice(0)) f();
    });

    const addr = (port: number) => (ipc ? `ipc://${this.conn.ip}-${port}` : `tcp://127.0.0.1:${port}`);
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.linger = 0;
    this.iopub.receiveHighWaterMark = 0; // never drop iopub messages on our side (stream output)
    this.shell.connect(addr(shell_port));
    this.control.connect(addr(control_port));
    this.stdin.connect(addr(stdin_port));
    this.hb.connect(addr(hb_port));
    this.iopub.connect(addr(iopub_port));
    this.iopub.subscribe();
    this.pump(this.shell, (m) => this.replies.get(String(m.parent_header.msg_id))?.(m));
    this.pump(this.control, (m) => this.replies.get(String(m.parent_header.msg_id))?.(m));
    this.pump(this.iopub, (m) => {
      this.last_iopub = Date.now();
      (this.listeners.get(String(m.parent_header.msg_id)) ?? this.unrouted)?.(m);
    });
    this.pump(this.stdin, (m) => {
      if (m.header.msg_type === "input_request") {
        void Promise.resolve(this.on_input(String(m.content.prompt ?? ""), !!m.content.password))
          .catch(() => "")
          .then((value) => this.stdin.send(serialize(new_message("input_reply", { value }, this.session, m.header), this.conn.key)));
      }
    });

    // Wait until shell answers and iopub is subscribed (the first iopub messages of a PUB socket are dropped
    // until the subscription has propagated, so repeat kernel_info_request until its status arrives on iopub).
    const deadline = Date.now() + (opts.startup_timeout_ms ?? 60000);
    while (Date.now() < deadline) {
      const msg = new_message("kernel_info_request", {}, this.session);
      let saw_iopub = false;
      this.listeners.set(msg.header.msg_id, () => (saw_iopub = true));
      try {
        const reply = await this.request(this.shell, msg, Math.min(3000, Math.max(deadline - Date.now(), 1)));
        if (reply) {
          this.info = reply.content;
          for (let i = 0; i < 20 && !saw_iopub; i++) await sleep(25);
          if (saw_iopub) {
            this.remove_connection_file(); // the kernel has read it: the HMAC key leaves the disk now
            return;
          }
        }
      } finally {
        this.listeners.delete(msg.header.msg_id);
      }
      if (this.exited) break;
    }
    if (this.exited) {
      throw new Error(`kernel exited during startup (code ${this.exited.code}, signal ${this.exited.signal}):\n${this.log.slice(-4000)}`);
    }
    throw new Error(`kernel did not answer kernel_info_request within ${opts.startup_timeout_ms ?? 60000} ms:\n${this.log.slice(-4000)}`);
  }

  private remove_connection_file(): void {
    if (!this.dir) return;
    fs.rmSync(this.dir, { recursive: true, force: true });
    connection_dirs.delete(this.dir);
    maybe_unhook();
  }

  /** True once the kernel reported on its stderr that it lost iopub messages (tslab_launch.ts). */
  get output_lost(): boolean {
    return this.lost;
  }

  get connection(): ConnectionInfo {
    return this.conn;
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get language_info(): { [key: string]: unknown } | undefined {
    return this.info.language_info;
  }
  get alive(): boolean {
    return this.proc != null && this.exited == null;
  }

  private pump(sock: zmq.Dealer | zmq.Subscriber, handle: (m: Message) => void): void {
    receive_messages(sock as AsyncIterable<Buffer[]>, this.conn.key, handle, (e) => {
      this.log += `\n${e.message}`;
    }).catch(() => {
      // socket closed
    });
  }

  /** Sends on shell/control and resolves with the reply, or null after `timeout_ms` or if the kernel dies. */
  private request(sock: zmq.Dealer, msg: Message, timeout_ms: number): Promise<Message | null> {
    return new Promise<Message | null>((resolve) => {
      const id = msg.header.msg_id;
      const on_exit = () => done(null);
      const done = (m: Message | null) => {
        clearTimeout(timer);
        this.replies.delete(id);
        const i = this.on_exit.indexOf(on_exit);
        if (i >= 0) this.on_exit.splice(i, 1);
        resolve(m);
      };
      const timer = setTimeout(() => done(null), timeout_ms);
      this.replies.set(id, done);
      if (this.exited) return done(null);
      this.on_exit.push(on_exit);
      sock.send(serialize(msg, this.conn.key)).catch(() => done(null));
    });
  }

  /** Any request on shell or control (complete, inspect, history, interrupt...): its reply, or null on timeout / exit. */
  send_request(channel: "shell" | "control", msg_type: string, content: object, timeout_ms = 60000): Promise<Message | null> {
    if (!this.alive) throw new Error(`kernel is not running (exit ${JSON.stringify(this.exited)}):\n${this.log.slice(-4000)}`);
    return this.request(channel === "shell" ? this.shell : this.control, new_message(msg_type, content, this.session), timeout_ms);
  }

  /** Sends raw frames on shell, control or stdin (a test's own malformed or replayed message); no reply is awaited. */
  async send_frames(channel: "shell" | "control" | "stdin", frames: Buffer[]): Promise<void> {
    await this[channel].send(frames);
  }

  /** One round trip on the heartbeat channel. */
  async heartbeat(timeout_ms = 2000): Promise<boolean> {
    const ping = Buffer.from(randomUUID());
    this.hb.receiveTimeout = timeout_ms;
    try {
      await this.hb.send(ping);
      const [pong] = await this.hb.receive();
      return pong.equals(ping);
    } catch {
      return false;
    }
  }

  /**
   * Runs `code`; `on_iopub` gets every iopub message of this request (stream, display_data, update_display_data,
   * execute_result, error, clear_output...). Resolves after the execute_reply and the matching `idle` status.
   * On timeout the kernel is interrupted (SIGINT: the cell ends with KeyboardInterrupt) and status is "timeout".
   */
  async execute(
    code: string,
    on_iopub: (m: Message) => void,
    timeout_ms = 600000,
    on_sent?: (msg_id: string) => void,
    content: { allow_stdin?: boolean; stop_on_error?: boolean } = {},
  ): Promise<ExecuteReply> {
    if (!this.alive) throw new Error(`kernel is not running (exit ${JSON.stringify(this.exited)}):\n${this.log.slice(-4000)}`);
    const msg = new_message(
      "execute_request",
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...content },
      this.session,
    );
    on_sent?.(msg.header.msg_id);
    let idle!: () => void;
    const idle_seen = new Promise<void>((res) => (idle = res));
    this.listeners.set(msg.header.msg_id, (m) => {
      if (m.header.msg_type === "status") {
        if (m.content.execution_state === "idle") idle();
      } else {
        on_iopub(m);
      }
    });
    try {
      let timed_out = false;
      const pending = this.request(this.shell, msg, timeout_ms + INTERRUPT_GRACE_MS);
      const timer = setTimeout(() => {
        timed_out = true;
        this.interrupt();
      }, timeout_ms);
      const reply = await pending;
      clearTimeout(timer);
      if (!reply && !this.alive) {
        const how = this.exited?.signal ? `signal ${this.exited.signal}` : `code ${this.exited?.code}`;
        throw new Error(`the kernel process exited (${how}) while executing\n${this.log.slice(-4000)}`);
      }
      if (timed_out || !reply) {
        await Promise.race([idle_seen, sleep(500)]);
        return { status: "timeout" };
      }
      // Outputs arrive on iopub before `idle`; give stragglers a bounded wait.
      await Promise.race([idle_seen, sleep(2000)]);
      const status = reply.content.status === "abort" ? "aborted" : reply.content.status;
      return { status, execution_count: reply.content.execution_count, content: reply.content };
    } finally {
      this.listeners.delete(msg.header.msg_id);
    }
  }

  /**
   * Waits until iopub has been quiet for `quiet_ms` (at most `max_ms`): output a cell started in the background
   * (a live chart's last drawing) arrives after its execute_reply.
   */
  async settle(quiet_ms = 750, max_ms = 10000): Promise<void> {
    const end = Date.now() + max_ms;
    while (this.alive && Date.now() < end && Date.now() - this.last_iopub < quiet_ms) await sleep(50);
  }

  interrupt(): void {
    if (this.alive) this.proc.kill("SIGINT");
  }

  /** shutdown_request on control, then wait for the process to exit (SIGTERM, SIGKILL if it lingers). */
  async shutdown(): Promise<void> {
    if (this.proc && this.alive) {
      const exited = new Promise<void>((res) => (this.exited ? res() : this.on_exit.push(res)));
      await this.request(this.control, new_message("shutdown_request", { restart: false }, this.session), 2000);
      await Promise.race([exited, sleep(2000)]);
      if (this.alive) this.proc.kill("SIGTERM");
      await Promise.race([exited, sleep(2000)]);
      if (this.alive) this.proc.kill("SIGKILL");
      await Promise.race([exited, sleep(1000)]);
    }
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) {
      if (!s.closed) s.close();
    }
    this.remove_connection_file();
    if (this.ipc_dir) fs.rmSync(this.ipc_dir, { recursive: true, force: true });
  }
}
