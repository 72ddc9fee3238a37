// Where compiled cells run: this process's global context (vm.runInThisContext, so `instanceof` and globals
// match imported packages), `require` resolving from the kernel's folder (plus the notebook folder's own .ts
// files that tslab compiled alongside a cell), and one shared `exports` object that holds every cell's names.
// A cell that throws is rolled back: `exports` returns to what it was before it ran.
import * as path from "path";
import * as vm from "vm";
import Module from "module";

export type RunOptions = { async: boolean; filename: string };

/** The error a cell ends with when it is interrupted (Python's KeyboardInterrupt). */
export class KeyboardInterrupt extends Error {
  constructor(message = "interrupted (SIGINT / interrupt_request)") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

/** The `exports` of cells: imports (`Object.defineProperty` with a getter) are stored as plain, rewritable values. */
function cell_exports(store: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(store, {
    defineProperty: (_t, prop, attrs) => {
      if (prop === "__esModule") return true;
      store[prop as string] = attrs.get ? attrs.get() : attrs.value;
      return true;
    },
  });
}

export class Runtime {
  /** Every name the cells declared so far (the target of the `exports` proxy). */
  readonly names: Record<string, unknown> = {};
  private readonly exports = cell_exports(this.names);
  private readonly side_sources = new Map<string, string>();
  private readonly side_modules = new Map<string, Module>();
  private readonly base_require: NodeJS.Require;
  private readonly require: NodeJS.Require;
  private interrupt_current: ((e: Error) => void) | null = null;

  constructor(readonly root: string) {
    this.base_require = Module.createRequire(path.join(root, "__cell__.js"));
    this.require = this.wrap_require(this.base_require, root);
  }

  /** Local .ts files compiled with a cell (imported as "./name"): their new JS replaces any loaded copy. */
  update_side_outputs(outs: Array<{ path: string; data: string }>): void {
    for (const o of outs) {
      this.side_modules.delete(path.normalize(o.path));
      this.side_sources.set(path.normalize(o.path), o.data);
    }
  }

  private wrap_require(req: NodeJS.Require, dir: string): NodeJS.Require {
    const self = this;
    const wrapped = function (id: string): unknown {
      let file = path.normalize(path.join(dir, id));
      if (path.extname(file) === "") file += ".js";
      if (id.startsWith(".") && self.side_sources.has(file)) {
        let mod = self.side_modules.get(file);
        if (!mod) {
          mod = new Module(file, module);
          mod.filename = file;
          mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
          const inner = self.wrap_require(mod.require.bind(mod) as NodeJS.Require, path.dirname(file));
          (mod as { require: unknown }).require = inner;
          self.side_modules.set(file, mod);
          (mod as unknown as { _compile(code: string, f: string): void })._compile(self.side_sources.get(file)!, file);
        }
        return mod.exports;
      }
      return req(id);
    };
    return Object.assign(wrapped, { resolve: req.resolve, cache: req.cache, main: req.main, extensions: req.extensions }) as NodeJS.Require;
  }

  snapshot(): Map<string, unknown> {
    return new Map(Object.entries(this.names));
  }

  restore(snap: Map<string, unknown>): void {
    for (const k of Object.keys(this.names)) if (!snap.has(k)) delete this.names[k];
    for (const [k, v] of snap) this.names[k] = v;
  }

  /**
   * Runs compiled CommonJS. Synchronous code can be stopped by SIGINT (vm's breakOnSigint); an async cell's
   * promise races `interrupt()`. The prefix sits on the code's first line, so its line numbers are the output's.
   */
  async run(code: string, opts: RunOptions): Promise<void> {
    const prefix = opts.async ? "(async function (exports, require) { " : "(function (exports, require) { ";
    const fn = vm.runInThisContext(prefix + code + "\n})", { filename: opts.filename }) as (e: unknown, r: unknown) => unknown;
    let ret: unknown;
    try {
      ret = vm.runInThisContext("(f, e, r) => f(e, r)", { breakOnSigint: true, filename: "bertlab:kernel" })(fn, this.exports, this.require);
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw new KeyboardInterrupt();
      throw e;
    }
    if (!opts.async) return;
    const interrupted = new Promise<never>((_, reject) => (this.interrupt_current = reject));
    try {
      await Promise.race([ret, interrupted]);
    } finally {
      this.interrupt_current = null;
    }
  }

  /** Makes the awaiting cell fail with KeyboardInterrupt (its pending work is not cancelled, only abandoned). */
  interrupt(): void {
    this.interrupt_current?.(new KeyboardInterrupt());
  }

  /** The cell's column offset on its first line (the wrapper's prefix). */
  static prefix_length(async: boolean): number {
    return (async ? "(async function (exports, require) { " : "(function (exports, require) { ").length;
  }
}
