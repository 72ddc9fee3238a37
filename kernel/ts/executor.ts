// The TypeScript executor: compile a cell (type-checked against earlier cells and the packages' .d.ts), run
// it, hand back its last value as a MIME bundle or a readable error. A cell that fails — at compile time or
// at run time — has no effect on the names later cells see. Knows nothing of Jupyter's wire protocol.
import * as fs from "fs";
import * as path from "path";
import type { Completeness, Completion, ExecuteError, ExecuteOutcome, Executor, Inspection } from "../server/executor";
import { CellCompiler, load_typescript, save_code_cache } from "./compiler";
import { complete, inspect, is_complete } from "./editing";
import { diagnostics_error, runtime_error } from "./errors";
import { help_at, help_page, inspect_positions } from "./help";
import { HistoryAccess, Magics } from "./magics";
import { KeyboardInterrupt, Runtime } from "./runtime";
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
  private compiler = new CellCompiler();
  private runtime: Runtime;
  /** Cells compiled so far (warm-up stops once one has). */
  private cells = 0;
  /** Declarations of every successful cell so far, as tslab's converter keeps them. */
  private prev_decl = "";
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
   * Warm-up, as steps the kernel runs one per event-loop turn (requests are answered in between): load
   * TypeScript, build the program (lib + @types/node), parse the prewarm packages' declarations (the first cell's
   * compile is then short), write TypeScript's code cache, then load the prewarm packages themselves (a cell that
   * imports them then starts at once).
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
        return !!require.resolve(pkg, { paths: [this.opts.cwd] });
      } catch {
        return false;
      }
    });
    let hit = false;
    return [
      timed("TypeScript", () => load_typescript()),
      timed("lib + @types/node", () => this.compiler.convert("", "")),
      // resolved and parsed only, never run: the declarations stay in the compiler's watch program (a use such as
      // `typeof __warm` would make TypeScript build the whole namespace's type: seconds, for nothing)
      ...pkgs.map((pkg) => timed(`${pkg} .d.ts`, () => this.compiler.convert("", `import type * as __warm from ${JSON.stringify(pkg)};\n`))),
      () => void (hit = save_code_cache()), // also after a cell compiled: the cache is written once, either way
      ...pkgs.map((pkg) => timed(`require ${pkg}`, () => this.runtime.preload(pkg))),
      () => {
        if (process.env.BERTLAB_KERNEL_DEBUG && times.length) this.opts.log?.(`warm in ${Date.now() - t0} ms (code cache ${hit ? "hit" : "written"}): ${times.join(", ")}`);
      },
    ];
  }

  async execute(code: string, execution_count: number): Promise<ExecuteOutcome> {
    const cell = `In[${execution_count}]`;
    this.runtime.clear_interrupt();
    const magic = this.magics.intercept(code, execution_count); // %magic / !cmd / name? lines (magics.ts)
    if (magic) return magic;
    const t0 = Date.now();
    this.cells++;
    const c = this.compiler.convert(this.prev_decl, code);
    const t1 = Date.now();
    if (process.env.BERTLAB_KERNEL_DEBUG) setImmediate(() => this.opts.log?.(`${cell}: compiled in ${t1 - t0} ms`));
    if (c.diagnostics.length) return diagnostics_error(c.diagnostics, code, cell);
    if (c.sideOutputs) this.runtime.update_side_outputs(c.sideOutputs);
    if (!c.output) {
      this.set_decl(c.declOutput ?? "");
      return { status: "ok" };
    }
    const snapshot = this.runtime.snapshot();
    try {
      await this.runtime.run(c.output, { async: !!c.hasToplevelAwait, filename: cell });
    } catch (e) {
      this.runtime.restore(snapshot);
      return runtime_error(e, code, cell, c.to_cell, Runtime.prefix_length(!!c.hasToplevelAwait));
    }
    this.set_decl(c.declOutput ?? "");
    if (!c.lastExpressionVar) return { status: "ok" };
    const value = this.runtime.names[c.lastExpressionVar];
    delete this.runtime.names[c.lastExpressionVar];
    if (value === undefined) return { status: "ok" };
    return { status: "ok", result: await value_bundle(value) };
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
   * The declarations later cells see. A moment after the cell's reply, if no other cell came meanwhile, the
   * compiler takes them in while the kernel is idle (an empty cell against them), so the next cell a person types
   * pays only for its own code (a cell sent at once compiles them itself, as without this).
   */
  private set_decl(decl: string): void {
    if (decl === this.prev_decl) return;
    this.prev_decl = decl;
    const cells = this.cells;
    setTimeout(() => {
      if (cells !== this.cells) return;
      try {
        this.compiler.convert(decl, "");
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
