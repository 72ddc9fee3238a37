// The Jupyter protocol (5.3) as a dispatch table, after ipykernel's kernelbase: one small handler per request
// type returns its reply content; `Kernel` wraps every request in status busy / idle on iopub, sends the reply
// to the requester, runs shell requests one at a time in arrival order and control requests at once. It knows
// nothing of TypeScript (that is the Executor) nor of sockets beyond `Channels`.
import { Message, PROTOCOL_VERSION, new_message, quote } from "../messaging";
import type { Channels } from "./channels";
import type { ExecuteOutcome, Executor } from "./executor";
import type { History } from "./history";
import { type IoPub, json_bundle } from "./iopub";

export type KernelDeps = {
  channels: Channels;
  iopub: IoPub;
  executor: Executor;
  history: History;
  /** Called after shutdown_request's reply is sent (the process ends there). */
  on_shutdown: (restart: boolean) => void;
  /** SIGINT-equivalent for interrupt_request (signals the process, so a running cell stops). */
  on_interrupt: () => void;
  log: (line: string) => void;
  /** Called on every kernel_info_request (a front end connecting: the kernel warms up after the handshake). */
  on_kernel_info?: () => void;
  /** True once the process is ending (process.exit in a cell): nothing more is replied or published. */
  ending?: () => boolean;
  /** Told when a cell starts (with its execution count) and when it has finished (stray-error attribution). */
  cell?: { started(execution_count: number): void; finished(): void };
};

/** What a cell's input() / process.stdin read throws when the front end does not take input (allow_stdin false). */
export class StdinNotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StdinNotImplementedError";
  }
}

/** Content fields each request must have with these types (`?`: optional). A request that breaks them gets an error reply naming the field. */
const CONTENT: Record<string, Record<string, string>> = {
  execute_request: { code: "string", silent: "boolean?", store_history: "boolean?", user_expressions: "object?", allow_stdin: "boolean?", stop_on_error: "boolean?" },
  complete_request: { code: "string", cursor_pos: "number?" },
  inspect_request: { code: "string", cursor_pos: "number?", detail_level: "number?" },
  is_complete_request: { code: "string" },
  history_request: { hist_access_type: "string", output: "boolean?", raw: "boolean?", session: "number?", start: "number?", stop: "number?", n: "number?", pattern: "string?", unique: "boolean?" },
  shutdown_request: { restart: "boolean?" },
};

/** The first content field of a request that has the wrong type, as a sentence; null when all are right. */
export function content_problem(msg_type: string, content: Record<string, unknown>): string | null {
  const spec = CONTENT[msg_type];
  if (!spec) return null;
  for (const [field, want] of Object.entries(spec)) {
    const optional = want.endsWith("?");
    const type = want.replace("?", "");
    const v = content[field];
    if (v == null && optional) continue; // null is "not given" (jupyter_client sends stop: null, n: null)
    const ok = type === "object" ? v != null && typeof v === "object" && !Array.isArray(v) : type === "number" ? typeof v === "number" && Number.isFinite(v) : typeof v === type;
    if (!ok) return `${msg_type}: content.${field} should be ${optional ? "absent or " : ""}a ${type}, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`;
  }
  return null;
}

/** What process.exit() throws in a cell so that the cell stops there while the kernel ends. */
export class KernelExit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code}): the kernel is ending`);
    this.name = "KernelExit";
  }
}

type Handler = (k: Kernel, msg: Message) => object | Promise<object>;

/** Code points (the protocol's unit since 5.2) → JavaScript string offset, and back. */
export function js_offset(text: string, code_points: number): number {
  let i = 0;
  for (let n = 0; n < code_points && i < text.length; n++) i += text.codePointAt(i)! > 0xffff ? 2 : 1;
  return i;
}
export function code_points(text: string, js: number): number {
  return Array.from(text.slice(0, js)).length;
}

const handlers: Record<string, Handler> = {
  kernel_info_request: (k) => (k.deps.on_kernel_info?.(), {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    ...k.deps.executor.info,
    debugger: false,
  }),

  execute_request: (k, msg) => k.execute(msg),

  complete_request: (k, msg) => {
    const code = String(msg.content.code ?? "");
    const cursor = js_offset(code, msg.content.cursor_pos ?? code.length);
    const c = k.deps.executor.complete(code, cursor);
    return {
      status: "ok",
      matches: c.matches,
      cursor_start: code_points(code, c.cursor_start),
      cursor_end: code_points(code, c.cursor_end),
      metadata: c.metadata,
    };
  },

  inspect_request: (k, msg) => {
    const code = String(msg.content.code ?? "");
    const cursor = js_offset(code, msg.content.cursor_pos ?? code.length);
    const r = k.deps.executor.inspect(code, cursor, Number(msg.content.detail_level ?? 0));
    return { status: "ok", found: r.found, data: r.data, metadata: r.metadata };
  },

  is_complete_request: (k, msg) => {
    const r = k.deps.executor.is_complete(String(msg.content.code ?? ""));
    return r.status === "incomplete" ? { status: r.status, indent: r.indent ?? "" } : { status: r.status };
  },

  history_request: (k, msg) => {
    const c = msg.content;
    const h = k.deps.history;
    const output = !!c.output;
    switch (c.hist_access_type) {
      case "tail":
        return { status: "ok", history: h.tail(Number(c.n ?? 10), output) };
      case "range":
        return { status: "ok", history: h.range(Number(c.session ?? 0), Number(c.start ?? 0), c.stop ?? null, output) };
      case "search":
        return { status: "ok", history: h.search(String(c.pattern ?? "*"), { n: c.n ?? null, unique: !!c.unique, output }) };
      default:
        return error_reply("ValueError", `history_request: hist_access_type "${c.hist_access_type}" is not one of tail, range, search`);
    }
  },

  comm_info_request: () => ({ status: "ok", comms: {} }),

  connect_request: (k) => {
    const c = k.deps.channels.conn;
    return { status: "ok", shell_port: c.shell_port, iopub_port: c.iopub_port, stdin_port: c.stdin_port, control_port: c.control_port, hb_port: c.hb_port };
  },

  // answered by the lifeline worker as it signals SIGINT (see lifeline.ts); here only when no worker did
  interrupt_request: (k) => {
    k.deps.on_interrupt();
    return { status: "ok" };
  },

  shutdown_request: (k, msg) => {
    k.shutdown_after_reply = !!msg.content.restart;
    return { status: "ok", restart: !!msg.content.restart };
  },
};

// Messages without a reply. No comm targets are registered, so an opened comm is closed at once (ipykernel does so).
const notices: Record<string, (k: Kernel, msg: Message) => void> = {
  comm_open: (k, msg) => k.deps.iopub.publish("comm_close", { comm_id: msg.content.comm_id, data: {} }, msg.header),
  comm_msg: () => {},
  comm_close: () => {},
};

function error_reply(ename: string, evalue: string, traceback: string[] = [`${ename}: ${evalue}`]): object {
  return { status: "error", ename, evalue, traceback };
}

export class Kernel {
  execution_count = 0;
  /** Set by shutdown_request: the process ends once its reply is out. */
  shutdown_after_reply: boolean | undefined;
  private shell_queue: Message[] = [];
  private shell_busy = false;
  /** Requests that were queued when a cell failed with stop_on_error: answered "aborted". */
  private aborting = new Set<Message>();
  /** The execute_request running now (input_request goes to its front end, if it allows stdin). */
  private current_execute: Message | null = null;
  /** input_request msg_id → the cell waiting for its input_reply. */
  private stdin_waiters = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();

  constructor(readonly deps: KernelDeps) {}

  start(): void {
    this.deps.channels.serve("shell", (m) => {
      this.shell_queue.push(m);
      void this.drain_shell();
    });
    this.deps.channels.serve_control((m, answered) => void this.dispatch("control", m, answered).catch((e: Error) => this.deps.log(`control: ${e.stack ?? e}`)));
    this.deps.channels.serve("stdin", (m) => this.on_stdin(m));
    this.deps.iopub.status("starting", {});
  }

  /**
   * Asks the front end of the running cell for a line of input (input_request on stdin, as ipykernel's input()).
   * Fails at once with StdinNotImplementedError when no cell runs or its request has allow_stdin false.
   */
  input(prompt = "", password = false): Promise<string> {
    const req = this.current_execute;
    if (!req) return Promise.reject(new StdinNotImplementedError("input(): no cell is running, so there is no front end to ask"));
    if (req.content.allow_stdin !== true) {
      return Promise.reject(new StdinNotImplementedError("input(): this front end does not accept input (the cell's execute_request has allow_stdin false, e.g. a headless run); give the value in code instead"));
    }
    this.deps.iopub.flush();
    const msg = new_message("input_request", { prompt: String(prompt), password: !!password }, this.deps.iopub.session, req.header);
    return new Promise<string>((resolve, reject) => {
      this.stdin_waiters.set(msg.header.msg_id, { resolve, reject });
      this.deps.channels.send("stdin", msg, req.identities);
    });
  }

  private on_stdin(m: Message): void {
    const waiter = this.stdin_waiters.get(String(m.parent_header?.msg_id));
    if (m.header.msg_type !== "input_reply" || !waiter) return this.deps.log(`stdin: unexpected ${m.header.msg_type} (no input_request waits for it), dropped`);
    this.stdin_waiters.delete(String(m.parent_header.msg_id));
    if (typeof m.content.value !== "string") return waiter.reject(new StdinNotImplementedError(`input(): the front end's input_reply has no text value (got ${typeof m.content.value})`));
    waiter.resolve(m.content.value);
  }

  private async drain_shell(): Promise<void> {
    if (this.shell_busy) return;
    this.shell_busy = true;
    try {
      for (let m = this.shell_queue.shift(); m; m = this.shell_queue.shift()) {
        try {
          if (this.aborting.delete(m)) this.abort(m);
          else await this.dispatch("shell", m);
        } catch (e) {
          this.deps.log(`shell: ${(e as Error).stack ?? e}`); // never stops the queue
        }
      }
    } finally {
      this.shell_busy = false;
    }
  }

  private abort(m: Message): void {
    const type = m.header.msg_type.replace(/_request$/, "_reply");
    const content = m.header.msg_type === "execute_request" ? { status: "aborted", execution_count: this.execution_count } : { status: "aborted" };
    this.deps.iopub.status("busy", m.header);
    this.reply("shell", m, type, content);
    this.deps.iopub.status("idle", m.header);
  }

  private reply(channel: "shell" | "control", req: Message, msg_type: string, content: object): void {
    const reply = new_message(msg_type, content, this.deps.iopub.session, req.header);
    this.deps.channels.send(channel, reply, req.identities);
  }

  /** busy → handler → reply → idle, for one request. */
  private async dispatch(channel: "shell" | "control", m: Message, answered = false): Promise<void> {
    const type = m.header.msg_type;
    const notice = Object.hasOwn(notices, type) ? notices[type] : undefined;
    const handler = Object.hasOwn(handlers, type) ? handlers[type] : undefined;
    if (!handler && !notice) {
      this.deps.log(`unknown ${channel} message type ${quote(type)} (ignored)`);
      return;
    }
    if (answered && type === "shutdown_request") this.shutdown_after_reply = !!m.content.restart;
    const previous = this.deps.iopub.parent;
    if (type === "execute_request") this.deps.iopub.parent = m.header;
    this.deps.iopub.status("busy", m.header);
    try {
      if (notice) notice(this, m);
      else if (!answered) {
        let content: object;
        const problem = content_problem(type, m.content);
        try {
          if (problem) {
            this.deps.log(problem);
            content = error_reply("ValueError", problem);
          } else content = await handler!(this, m);
        } catch (e) {
          const err = e as Error;
          this.deps.log(`${type} failed: ${err.stack ?? err}`);
          content = error_reply(err.name ?? "Error", err.message ?? String(e), String(err.stack ?? err).split("\n"));
        }
        this.deps.iopub.flush();
        if (this.deps.ending?.()) return; // process.exit() in the cell: the kernel dies, as a process would
        this.reply(channel, m, type.replace(/_request$/, "_reply"), content);
      }
    } finally {
      if (!this.deps.ending?.()) this.deps.iopub.status("idle", m.header);
      // control requests (interrupt) arrive mid-cell: output after them still belongs to the running cell
      if (channel === "control") this.deps.iopub.parent = previous;
    }
    if (this.shutdown_after_reply !== undefined) this.deps.on_shutdown(this.shutdown_after_reply);
  }

  async execute(msg: Message): Promise<object> {
    const c = msg.content;
    const code = String(c.code ?? "");
    const silent = !!c.silent;
    const store_history = silent ? false : c.store_history !== false;
    if (store_history) this.execution_count += 1;
    const count = this.execution_count;
    const iopub = this.deps.iopub;
    if (!silent) iopub.publish("execute_input", { code, execution_count: count });
    if (store_history) this.deps.history.add(count, code);

    let outcome: ExecuteOutcome;
    this.current_execute = msg;
    this.deps.cell?.started(count);
    try {
      outcome = await this.deps.executor.execute(code, count);
      // one turn of the event loop: a promise the cell rejected and left unawaited is reported in its output
      await new Promise((res) => setImmediate(res));
    } catch (e) {
      // a failure of the executor itself (not of the cell): still an error output the user sees
      const err = e instanceof Error ? e : new Error(String(e));
      this.deps.log(`executor failed: ${err.stack}`);
      outcome = { status: "error", ename: `KernelError: ${err.name}`, evalue: err.message, traceback: String(err.stack).split("\n") };
    } finally {
      this.current_execute = null;
      for (const w of this.stdin_waiters.values()) w.reject(new StdinNotImplementedError("input(): the cell ended before its input_reply came"));
      this.stdin_waiters.clear();
      this.deps.cell?.finished();
    }
    if (outcome.status === "error") {
      const { ename, evalue, traceback } = outcome;
      iopub.publish("error", { ename, evalue, traceback });
      if (c.stop_on_error !== false) for (const q of this.shell_queue) if (q.header.msg_type === "execute_request") this.aborting.add(q);
      return { status: "error", execution_count: count, ename, evalue, traceback, user_expressions: {} };
    }
    if (outcome.result && !silent) {
      iopub.publish("execute_result", { execution_count: count, data: json_bundle(outcome.result.data), metadata: outcome.result.metadata ?? {} });
      const text = outcome.result.data["text/plain"];
      if (store_history && typeof text === "string") this.deps.history.set_output(count, text);
    }
    // evaluated after a cell that ran (as ipykernel does), each in the cell's names, leaving nothing behind
    const user_expressions: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries((c.user_expressions ?? {}) as Record<string, unknown>)) {
      const ex = this.deps.executor;
      const r: { status: string; data?: Record<string, unknown> } = ex.evaluate
        ? await ex.evaluate(String(expr)).catch((e: Error) => ({ status: "error", ename: e.name ?? "Error", evalue: e.message ?? String(e), traceback: [] }))
        : { status: "error", ename: "NotImplementedError", evalue: "this kernel's executor does not evaluate user_expressions", traceback: [] };
      user_expressions[name] = r.data ? { ...r, data: json_bundle(r.data) } : r;
    }
    const payload = [...(outcome.page ? [{ source: "page", data: outcome.page.data, start: 0 }] : []), ...(outcome.payload ?? [])];
    return { status: "ok", execution_count: count, payload, user_expressions };
  }
}
