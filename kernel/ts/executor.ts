// The TypeScript executor: compile a cell (type-checked against earlier cells and the packages' .d.ts), run
// it, hand back its last value as a MIME bundle or a readable error. IPython's failure semantics: a cell that
// fails to type-check declares nothing; a cell that fails at run time keeps the names whose declarations ran
// before the error (with their values) and its imports — later cells see exactly those (DeclEnv). Knows nothing
// of Jupyter's wire protocol.
import * as fs from "fs";
import * as path from "path";
import type { Completeness, Completion, ExecuteError, ExecuteOutcome, Executor, Inspection } from "../server/executor";
import { CellCompiler, load_typescript, save_code_cache } from "./compiler";
import { DeclEnv } from "./decl_env";
import { complete, inspect, is_complete } from "./editing";
import { diagnostics_error, runtime_error } from "./errors";
import { help_at, help_page, inspect_positions } from "./help";
import { HistoryAccess, Magics } from "./magics";
import { KeyboardInterrupt, Runtime } from "./runtime";
import { explain_unresolved, resolves_for_cells } from "./resolve";
import { request_snapshot, snapshot_enabled } from "./snapshot";
import { value_bundle } from "./values";

export type TsExecutorOptions = {
  /** Folder cells resolve imports from (the kernel's working directory). */
  cwd: string;
  /** Packages whose declarations warm() parses ahead of the first cell, when they resolve from cwd. */
  prewarm?: string[];
  log?: (line: string) => void;
  /** The kernel's input history, for %history. */
  history?: HistoryAccess;
};

function own_version(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")).version ?? "0";
  } catch {
    return "0";
  }
}

export class TsExecutor implements Executor {
  private compiler: CellCompiler;
  private runtime: Runtime;
  /** Cells compiled so far (warm-up stops once one has). */
  private cells = 0;
  /** The declarations later cells see (every name that a cell defined, newest declaration per name). */
  private env = DeclEnv.empty;

  /** The environment's declaration text (what a cell is type-checked against). */
  private get prev_decl(): string {
    return this.env.text;
  }
  /** %magics, !shell and `name?` help lines (magics.ts, help.ts): they run a cell's TypeScript through execute(). */
  private magics: Magics = new Magics({
    run_cell: (code, n) => this.execute(code, n),
    names: () => this.runtime.names,
    page: (target, detail) => help_page(this.compiler, this.prev_decl, target, { detail, cells: this.magics.sources }),
    typescript: () => load_typescript(),
    compiler: () => this.compiler,
    history: () => this.opts.history,
  });

  readonly info: Executor["info"];

  constructor(private opts: TsExecutorOptions) {
    this.runtime = new Runtime(opts.cwd);
    this.compiler = new CellCompiler(opts.cwd);
    const version = own_version();
    this.info = {
      implementation: "bertlab",
      implementation_version: version,
      banner: `bertlab ${version} — TypeScript (tslab's compiler, TypeScript 5.0.4) on Node.js ${process.version}\nCells are type-checked; \`name?\` shows a symbol's signature and docs.`,
      help_links: [
        { text: "bertlab", url: "https://github.com/bertlab/bertlab#readme" },
        { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
        { text: "Node.js API", url: `https://nodejs.org/docs/${process.version}/api/` },
      ],
      language_info: {
        name: "typescript",
        version: "5.0.4",
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { name: "javascript", typescript: true },
        pygments_lexer: "typescript",
      },
    };
  }

  /**
   * Warm-up, as steps the kernel runs one per event-loop turn (requests are answered in between): start bertlab's
   * ONNX engine worker (it loads onnxruntime-node on its own thread meanwhile; the first forward then finds it up),
   * load TypeScript, build the program (lib + @types/node), parse the prewarm packages' declarations (the first
   * cell's compile is then short), write TypeScript's code cache, then load the prewarm packages themselves (a cell
   * that imports them then starts at once).
   */
  warm_steps(): Array<() => void> {
    const t0 = Date.now();
    const times: string[] = [];
    // once a cell has compiled, the compiler is warm and the cell imported what it needed: the rest is skipped
    const timed = (name: string, f: () => void) => () => {
      if (this.cells > 0) return;
      const t = Date.now();
      f();
      times.push(`${name} ${Date.now() - t} ms`);
    };
    const pkgs = (this.opts.prewarm ?? []).filter((pkg) => {
      try {
        return resolves_for_cells(pkg, this.opts.cwd);
      } catch {
        return false;
      }
    });
    let hit = false;
    return [
      // bertlab's ONNX engine worker first: it loads onnxruntime-node on its own thread while the steps below run
      ...(pkgs.includes("bertlab") ? [timed("ONNX worker", () => this.onnx_soon('from "bertlab"'))] : []),
      timed("TypeScript", () => load_typescript()),
      timed("lib + @types/node", () => this.compiler.convert("", "", false)),
      // resolved and parsed only, never run: the declarations stay in the compiler's watch program (a use such as
      // `typeof __warm` would make TypeScript build the whole namespace's type: seconds, for nothing)
      ...pkgs.map((pkg) => timed(`${pkg} .d.ts`, () => this.compiler.convert("", `import type * as __warm from ${JSON.stringify(pkg)};\n`, false))),
      () => void (hit = save_code_cache()), // also after a cell compiled: the cache is written once, either way
      () => this.snapshot_soon(),
      ...pkgs.map((pkg) => timed(`require ${pkg}`, () => this.runtime.preload(pkg))),
      () => {
        if (process.env.BERTLAB_KERNEL_DEBUG && times.length) this.opts.log?.(`warm in ${Date.now() - t0} ms (code cache ${hit ? "hit" : "written"}): ${times.join(", ")}`);
      },
    ];
  }

  async execute(code: string, execution_count: number): Promise<ExecuteOutcome> {
    this.busy++;
    try {
      return await this.execute_cell(code, execution_count);
    } finally {
      this.busy--;
      this.snapshot_soon();
    }
  }

  /** Cells running now (a magic runs its TypeScript as a nested cell). */
  private busy = 0;
  private snapshot_timer: NodeJS.Timeout | null = null;
  private snapshot_requested = false;

  /**
   * Once the kernel has been idle for 3 s after a cell (or warm-up): when this process parsed declaration files
   * that no startup snapshot holds (none yet, or > 64 kB new: another package imported, a rebuilt bertlab), asks
   * for a snapshot of the compiler's files (snapshot.ts: a detached, niced builder), once per kernel.
   */
  private snapshot_soon(): void {
    if (this.snapshot_requested || !snapshot_enabled()) return;
    if (this.snapshot_timer) clearTimeout(this.snapshot_timer);
    this.snapshot_timer = setTimeout(() => {
      this.snapshot_timer = null;
      if (this.busy > 0) return; // the cell's end arms it again
      // the cheap check first: a kernel from a snapshot that holds its files stats nothing at each idle moment
      const state = this.compiler.snapshot_state();
      if (!state || (state.from_snapshot && state.parsed_here < 64_000)) return;
      const job = this.compiler.snapshot_job();
      if (!job) return;
      this.snapshot_requested = true;
      if (request_snapshot(job, this.opts.log) && process.env.BERTLAB_KERNEL_DEBUG) this.opts.log?.(`snapshot: building one of ${job.files.length} declaration files`);
    }, 3000);
    this.snapshot_timer.unref();
  }

  private async execute_cell(code: string, execution_count: number): Promise<ExecuteOutcome> {
    const cell = `In[${execution_count}]`;
    this.runtime.clear_interrupt();
    const magic = this.magics.intercept(code, execution_count); // %magic / !cmd / name? lines (magics.ts)
    if (magic) return magic;
    const t0 = Date.now();
    this.cells++;
    this.onnx_soon(code);
    const c = this.compiler.convert(this.prev_decl, code);
    const t1 = Date.now();
    if (process.env.BERTLAB_KERNEL_DEBUG) {
      const state = this.compiler.snapshot_state();
      const snap = state ? `; startup snapshot ${state.from_snapshot ? "used" : "none"}, ${(state.parsed_here / 1e3).toFixed(0)} kB of declarations parsed here` : "";
      setImmediate(() => this.opts.log?.(`${cell}: compiled in ${t1 - t0} ms${snap} (process up ${(process.uptime() * 1000).toFixed(0)} ms)`));
    }
    if (c.diagnostics.length) return diagnostics_error(explain_unresolved(c.diagnostics, this.opts.cwd), code, cell);
    if (c.sideOutputs) this.runtime.update_side_outputs(c.sideOutputs);
    if (!c.output) {
      this.take_in(c.declOutput ?? "");
      return { status: "ok" };
    }
    const snapshot = this.runtime.snapshot();
    try {
      await this.runtime.run(c.output, { async: !!c.hasToplevelAwait, filename: cell });
    } catch (e) {
      // IPython: the names whose declarations ran stay; a type (interface, alias) stays when it comes before the
      // first value declaration that did not run
      const ran = this.runtime.defined_since(snapshot, c.names ?? []);
      const types = new Set(c.typeNames ?? []);
      const keep = new Set<string>();
      let failed = false;
      for (const n of c.names ?? []) {
        if (types.has(n) ? !failed : ran.has(n)) keep.add(n);
        else if (!types.has(n)) failed = true;
      }
      this.take_in(c.declOutput ?? "", keep, new Set(c.names ?? []));
      return runtime_error(e, code, cell, c.to_cell, Runtime.prefix_length(!!c.hasToplevelAwait));
    }
    this.take_in(c.declOutput ?? "");
    if (!c.lastExpressionVar) return { status: "ok" };
    const value = this.runtime.names[c.lastExpressionVar];
    delete this.runtime.names[c.lastExpressionVar];
    if (value === undefined) return { status: "ok" };
    return { status: "ok", result: await value_bundle(value) };
  }

  private onnx_started = false;

  /**
   * The first cell that imports bertlab starts bertlab's ONNX engine worker before it compiles: the worker loads
   * onnxruntime-node on the other core while this thread type-checks, so the cell's first forward on the
   * default ("auto") engine does not wait for it. Not when BERTLAB_ENGINE=tfjs (no ONNX forward will come).
   */
  private onnx_soon(code: string): void {
    if (this.onnx_started || process.env.BERTLAB_ENGINE === "tfjs" || !/\bfrom\s*["']bertlab["']/.test(code)) return;
    this.onnx_started = true;
    this.runtime.start_onnx_worker();
  }

  async evaluate(expression: string): Promise<{ status: "ok"; data: Record<string, unknown>; metadata: Record<string, unknown> } | ExecuteError> {
    const source = `(${expression}\n)`;
    const c = this.compiler.convert(this.prev_decl, source);
    if (c.diagnostics.length) return diagnostics_error(c.diagnostics, source, "user_expression");
    const snapshot = this.runtime.snapshot();
    try {
      await this.runtime.run(c.output ?? "", { async: !!c.hasToplevelAwait, filename: "user_expression" });
      const value = c.lastExpressionVar ? this.runtime.names[c.lastExpressionVar] : undefined;
      const b = await value_bundle(value);
      return { status: "ok", data: b.data, metadata: b.metadata ?? {} };
    } catch (e) {
      return runtime_error(e, source, "user_expression", c.to_cell, Runtime.prefix_length(!!c.hasToplevelAwait));
    } finally {
      this.runtime.restore(snapshot); // declares nothing
    }
  }

  /**
   * Takes a cell's declarations into what later cells see (only `ran`'s names after a runtime error). A moment
   * after the cell's reply, if no other cell came meanwhile, the compiler takes them in while the kernel is idle
   * (an empty cell against them), so the next cell a person types pays only for its own code (a cell sent at once
   * compiles them itself, as without this).
   */
  private take_in(cell_decl: string, ran?: ReadonlySet<string>, declared?: ReadonlySet<string>): void {
    const before = this.prev_decl;
    this.env = this.env.with_cell(load_typescript(), cell_decl, ran, declared);
    const decl = this.prev_decl;
    if (decl === before) return;
    const cells = this.cells;
    setTimeout(() => {
      if (cells !== this.cells) return;
      try {
        this.compiler.convert(decl, "", false);
      } catch {
        // the next cell compiles against them anyway and reports what is wrong
      }
    }, 250).unref();
  }

  complete(code: string, cursor: number): Completion {
    return this.magics.complete(code, cursor) ?? complete(this.compiler, this.prev_decl, this.magics.ts_view(code), cursor);
  }

  inspect(code: string, cursor: number, detail_level: number): Inspection {
    // the full help page (help.ts) of the name at the cursor, or of the call it is inside, else TypeScript's quick info
    const ts_code = this.magics.ts_view(code);
    for (const pos of inspect_positions(ts_code, cursor)) {
      const page = help_at(this.compiler, this.prev_decl, ts_code, pos, { detail: detail_level >= 1 ? 1 : 0, cells: this.magics.sources });
      if (page) return { found: true, data: page, metadata: {} };
    }
    return inspect(this.compiler, this.prev_decl, ts_code, cursor);
  }

  is_complete(code: string): Completeness {
    return this.magics.is_complete(code) ?? is_complete(load_typescript(), code);
  }

  interrupt(): void {
    this.runtime.interrupt();
  }

  static is_interrupt(e: unknown): boolean {
    return e instanceof KeyboardInterrupt;
  }
}
