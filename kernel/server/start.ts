// bertlab's Jupyter kernel (main.ts starts it, in its own process or in a child started from the TypeScript
// startup snapshot). Binds the channels, starts the lifeline (heartbeat + parent watch), routes the process's
// output to iopub, and serves the protocol with the TypeScript executor. SIGINT interrupts the running cell; SIGTERM and
// shutdown_request end the kernel and every process a cell started.
import { randomUUID } from "crypto";
import { request_interrupt } from "../../src/utils/interrupt";
import { TsExecutor } from "../ts/executor";
import { Channels, address, read_connection_file } from "./channels";
import { History, default_history_file } from "./history";
import { install_hooks } from "./hooks";
import { IoPub } from "./iopub";
import { Lifeline, alive } from "./lifeline";
import { kill_descendants } from "./processes";
import { Kernel, KernelExit } from "./protocol";
import { kernel_log } from "./log";
import { StrayErrors } from "./stray_errors";
import { ts_snapshot, typescript_path } from "../ts/snapshot";

/** Whether this process started from the cell compiler's startup snapshot. */
function from_snapshot(): boolean {
  try {
    return ts_snapshot(typescript_path()) !== null;
  } catch {
    return false;
  }
}

export async function start_kernel(connection_file: string): Promise<void> {
  // the kernel's own log: the process's real stderr (and $BERTLAB_KERNEL_LOG), captured before the hooks route
  // process.stderr to the cells' output — nothing a peer sends (a bad signature) reaches a notebook
  const log = kernel_log();
  const conn = read_connection_file(connection_file);
  if (conn.key === "") log(`WARNING: the connection file's key is "" — authentication is off: any local user who can reach the ports can run code in this kernel`);
  const channels = new Channels(conn, log);
  await channels.bind();
  const jpy_parent = Number(process.env.JPY_PARENT_PID);
  const parent_pid = Number.isInteger(jpy_parent) && jpy_parent > 1 && alive(jpy_parent) ? jpy_parent : process.ppid;
  const session = randomUUID();
  const lifeline = new Lifeline({
    hb_address: address(conn, conn.hb_port),
    parent_pid,
    control: { address: address(conn, conn.control_port), key: conn.key, session },
  }, log);
  await lifeline.started();
  channels.attach_control({
    on_message: (handle) => lifeline.on_control((c) => handle(c.msg, c.answered)),
    send: (frames) => lifeline.send_control(frames),
  });

  const iopub = new IoPub(channels, session);
  let kernel: Kernel | null = null;
  const hooks = install_hooks(iopub, (prompt, password) => kernel ? kernel.input(prompt, password) : Promise.reject(new Error("input(): the kernel is starting")));
  const stray = new StrayErrors({ write_cell: (text) => iopub.stream("stderr", text), log }).install();
  const history = new History(default_history_file(), log);
  const executor = new TsExecutor({ cwd: process.cwd(), prewarm: ["bertlab"], log, history });

  let ending = false;
  const real_exit = process.exit.bind(process);
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    iopub.flush();
    kill_descendants("SIGTERM");
    await Promise.race([channels.drained(), new Promise((res) => setTimeout(res, 2000))]);
    kill_descendants("SIGKILL");
    hooks.restore();
    channels.close();
    await lifeline.close();
    real_exit(code);
  };
  // process.exit() in a cell: the output before it still reaches the front end, sockets close cleanly (zeromq
  // aborts a process that exits with them open), then the process ends with that code and no reply is sent.
  process.exit = ((code?: number | string | null) => {
    void end(Number(code ?? process.exitCode ?? 0) || 0);
    throw new KernelExit(Number(code ?? 0) || 0);
  }) as typeof process.exit;
  // under main.ts's launcher, a SIGINT sent to the process group reaches the kernel twice (directly and relayed):
  // two within 50 ms are one interrupt
  const relayed = !!process.env.BERTLAB_KERNEL_RELAY;
  delete process.env.BERTLAB_KERNEL_RELAY;
  let last_interrupt = -Infinity;
  const interrupt = () => {
    if (relayed && performance.now() - last_interrupt < 50) return;
    last_interrupt = performance.now();
    request_interrupt();
    executor.interrupt();
  };

  kernel = new Kernel({
    channels,
    iopub,
    executor,
    history,
    log,
    on_interrupt: interrupt,
    on_shutdown: () => void end(0),
    ending: () => ending,
    on_kernel_info: () => warm_soon(700),
    cell: { started: (n) => stray.cell_started(n), finished: () => stray.cell_finished() },
  });
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", () => void end(0));
  process.on("SIGHUP", () => void end(0));
  kernel.start();
  // Load TypeScript (and bertlab) while idle, one step per event-loop turn — after the front end's handshake
  // (kernel_info, repeated until its iopub subscription is through), which a step would otherwise hold up; a cell
  // sent meanwhile compiles on its own.
  // Started from the compiler's startup snapshot, the steps are short (nothing to parse): warm-up starts at once,
  // using the wait for the front end's first request, and a handshake waits at most one step.
  let warm_timer: NodeJS.Timeout | null = setTimeout(() => void warm(), from_snapshot() ? 0 : 2000);
  let handshake = false;
  function warm_soon(ms: number): void {
    if (!warm_timer || handshake || from_snapshot()) return; // the first kernel_info only: a front end polling it cannot hold warm-up off
    handshake = true;
    clearTimeout(warm_timer);
    warm_timer = setTimeout(() => void warm(), ms);
  }
  async function warm(): Promise<void> {
    warm_timer = null;
    for (const step of executor.warm_steps()) {
      await new Promise((res) => setTimeout(res, 1));
      if (ending) return;
      try {
        step();
      } catch (e) {
        log(`warm-up failed: ${(e as Error).stack ?? e}`);
        return;
      }
    }
  }
}
