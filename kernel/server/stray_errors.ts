// Errors a cell leaves behind — a rejected promise nobody awaited, a throw inside a timer or a callback (of
// zeromq, onnxruntime or any native addon) — never end the kernel. They are reported in the output of the
// cell that is running, or, if none runs, at the top of the next cell's output, marked as late (naming the
// cell that ran last), and always on the kernel's log.
//
// Libraries may install their own process-level handlers: emscripten's glue in tfjs-backend-wasm adds
// `process.on("uncaughtException", e => { throw e })` and `process.on("unhandledRejection", r => { throw r })`,
// which turn any stray error into an abort (SIGABRT) of the whole process. Every handler added for these two
// events after `guard_stray_errors` is wrapped so that what it throws is reported instead of escaping (it
// still runs, and `process.removeListener(handler)` still removes it: the wrapper carries `.listener`).
const EVENTS = new Set(["uncaughtException", "unhandledRejection"]);
// once / prependOnceListener add their one-shot wrapper through on / prependListener, which wrap it in turn
const ADDERS = ["on", "addListener", "prependListener"] as const;

type Kind = "uncaughtException" | "unhandledRejection";
type Listener = (...args: unknown[]) => unknown;

export type StrayErrorsOptions = {
  /** Writes to the running cell's stderr (a stream output on iopub). */
  write_cell: (text: string) => void;
  /** The kernel's own log (never a cell's output). */
  log: (line: string) => void;
};

/** Text of a stray error for a person: the stack if there is one. */
function describe(kind: Kind, e: unknown): string {
  const what = kind === "unhandledRejection" ? "Unhandled promise rejection" : "Uncaught exception";
  const body = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : (() => {
    try {
      return `${typeof e === "string" ? e : JSON.stringify(e) ?? String(e)}`;
    } catch {
      return String(e);
    }
  })();
  return `${what} (the kernel keeps running): ${body}`;
}

export class StrayErrors {
  private running = false;
  private last_cell: number | null = null;
  private late: string[] = [];
  private originals = new Map<(typeof ADDERS)[number], Listener>();
  private own: Array<[Kind, Listener]> = [];

  constructor(private opts: StrayErrorsOptions) {}

  /** Installs the kernel's handlers and wraps every later one; returns this. */
  install(): this {
    for (const kind of EVENTS as Set<Kind>) {
      const l: Listener = (e) => this.report(kind, e);
      this.own.push([kind, l]);
      process.on(kind as "uncaughtException", l as NodeJS.UncaughtExceptionListener);
    }
    const proc = process as unknown as Record<string, Listener>;
    for (const name of ADDERS) {
      const original = proc[name];
      this.originals.set(name, original);
      const self = this;
      proc[name] = function (this: unknown, event: unknown, listener: unknown) {
        if (typeof event === "string" && EVENTS.has(event) && typeof listener === "function") {
          return original.call(this, event, self.wrap(event as Kind, listener as Listener));
        }
        return original.apply(this, arguments as unknown as unknown[]);
      };
    }
    return this;
  }

  /** Undoes install (the kernel's handlers are removed; wrapped foreign ones stay wrapped). */
  restore(): void {
    const proc = process as unknown as Record<string, Listener>;
    for (const [name, original] of this.originals) proc[name] = original;
    this.originals.clear();
    for (const [kind, l] of this.own) process.removeListener(kind, l);
    this.own = [];
  }

  private wrap(kind: Kind, listener: Listener): Listener {
    const self = this;
    const guarded = function (this: unknown, ...args: unknown[]) {
      try {
        return listener.apply(this, args);
      } catch (e) {
        // emscripten's handlers rethrow what they were given: the kernel's own handler reports that one already
        if (e !== args[0]) self.report(kind, e);
        self.opts.log(`a ${kind} handler threw (contained): ${e instanceof Error ? e.message : String(e)}`);
      }
    } as Listener & { listener?: Listener };
    guarded.listener = listener;
    return guarded;
  }

  /** A cell starts: errors that came while idle are shown first, marked as late. */
  cell_started(execution_count: number): void {
    for (const text of this.late.splice(0)) this.opts.write_cell(text);
    this.running = true;
    this.last_cell = execution_count;
  }

  cell_finished(): void {
    this.running = false;
  }

  report(kind: Kind, e: unknown): void {
    let text = describe(kind, e);
    this.opts.log(text.split("\n")[0]);
    if (this.running) return this.opts.write_cell(text + "\n");
    const after = this.last_cell == null ? "before any cell ran" : `after In[${this.last_cell}] finished`;
    text = `[late: raised ${after}] ${text}\n`;
    if (this.late.length < 100) this.late.push(text);
  }
}
