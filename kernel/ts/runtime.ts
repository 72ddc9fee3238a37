// Where compiled cells run: this process's global context (vm.runInThisContext, so `instanceof` and globals
// match imported packages), `require` resolving from the kernel's folder (plus the notebook folder's own .ts
// files compiled alongside a cell), and one shared `exports` object that holds every cell's names: a declared name
// as an accessor of the cell's own binding (cell_transform.ts), an import as its value. A cell that throws keeps
// what it defined before the error (the executor decides which declarations later cells see).
import * as path from "path";
import * as vm from "vm";
import Module from "module";
import { with_kernel_fallback } from "./resolve";
import { bind_prev } from "./cell_transform";

export type RunOptions = { async: boolean; filename: string };

/** Where a cell's script finds its (exports, require) arguments while it starts. */
const CELL_ARGS = Symbol.for("bertlab.cell_args");

/** How long an interrupted async cell may take to stop by itself before it is abandoned. */
const INTERRUPT_GRACE_MS = 2000;

/** The error a cell ends with when it is interrupted (Python's KeyboardInterrupt). */
export class KeyboardInterrupt extends Error {
  constructor(message = "interrupted (SIGINT / interrupt_request)") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

/**
 * The `exports` of cells: a cell's declared name (an accessor with get and set) is kept as it is; an import (a
 * getter TypeScript defines, or `exports.x = x`) is stored as its plain value; either replaces what the name was
 * before (an assignment to `exports` never writes through an earlier cell's accessor: `const x` then a cell's
 * `import * as x` rebinds x).
 */
function cell_exports(store: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(store, {
    set: (_t, prop, value) => Reflect.defineProperty(store, prop, { value, writable: true, enumerable: true, configurable: true }),
    defineProperty: (_t, prop, attrs) => {
      if (prop === "__esModule") return true;
      if (attrs.get && attrs.set) return Reflect.defineProperty(store, prop, { get: attrs.get, set: attrs.set, enumerable: true, configurable: true });
      const value = attrs.get ? attrs.get() : attrs.value;
      return Reflect.defineProperty(store, prop, { value, writable: true, enumerable: true, configurable: true });
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
  private interrupt_current: (() => void) | null = null;
  private pending_interrupt = false;

  constructor(readonly root: string) {
    this.base_require = with_kernel_fallback(Module.createRequire(path.join(root, "__cell__.js")), root);
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

  /** Loads a package the way a cell's import would (a failure is left for the cell to report). */
  preload(pkg: string): void {
    try {
      this.require(pkg);
    } catch {
      // the cell that imports it shows the error
    }
  }

  /**
   * Starts bertlab's ONNX engine worker (`sync_bridge()`, which loads onnxruntime-node on its own thread) without
   * loading bertlab itself: only its small bridge module, the same file `require("bertlab")` loads later, so the
   * cells' first forward finds the worker up. False when bertlab or the bridge is not there.
   */
  start_onnx_worker(): boolean {
    try {
      const main = this.require.resolve("bertlab");
      const bridge = path.join(path.dirname(main), "engines", "sync", "bridge.js");
      const m = this.require(bridge) as { sync_bridge?: () => unknown };
      if (typeof m.sync_bridge !== "function") return false;
      m.sync_bridge();
      return true;
    } catch {
      return false; // the forward reports whatever is wrong, or runs on tfjs
    }
  }

  /** How every name is defined now (accessors as they are: nothing is read). */
  snapshot(): Map<string, PropertyDescriptor> {
    return new Map(Object.entries(Object.getOwnPropertyDescriptors(this.names)));
  }

  restore(snap: Map<string, PropertyDescriptor>): void {
    for (const k of Object.keys(this.names)) if (!snap.has(k)) delete this.names[k];
    for (const [k, d] of snap) Object.defineProperty(this.names, k, d);
  }

  /** The names among `names` that a cell (re)defined since `snap` was taken. */
  defined_since(snap: Map<string, PropertyDescriptor>, names: string[]): Set<string> {
    const out = new Set<string>();
    for (const n of names) {
      const now = Object.getOwnPropertyDescriptor(this.names, n);
      const was = snap.get(n);
      if (now && (!was || now.get !== was.get || (!now.get && now.value !== was.value))) out.add(n);
    }
    return out;
  }

  /**
   * Runs compiled CommonJS. Synchronous code can be stopped by SIGINT (vm's breakOnSigint); an async cell's
   * promise races `interrupt()`. The prefix sits on the code's first line, so its line numbers are the output's.
   */
  async run(code: string, opts: RunOptions): Promise<void> {
    // let what is queued meanwhile through first: sends (execute_input) and an interrupt that came while compiling.
    // Two turns: a SIGINT is read in the event loop's poll phase, and the first immediate may run before the next one.
    await new Promise((res) => setImmediate(res));
    await new Promise((res) => setImmediate(res));
    if (this.pending_interrupt) throw new KeyboardInterrupt();
    // the call is part of the script: breakOnSigint only covers code that runs inside runInThisContext itself
    const g = globalThis as Record<symbol, unknown>;
    g[CELL_ARGS] = [this.exports, this.require, bind_prev];
    let ret: unknown;
    try {
      ret = vm.runInThisContext(Runtime.prefix(opts.async) + code + `\n})(...globalThis[Symbol.for("bertlab.cell_args")])`, {
        filename: opts.filename,
        breakOnSigint: true,
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw new KeyboardInterrupt();
      throw e;
    } finally {
      delete g[CELL_ARGS];
    }
    if (!opts.async) return;
    let hit = false;
    const interrupted = new Promise<never>((_, reject) => {
      // a cooperative loop (the Trainer) gets a moment to stop at its step boundary and say so, in order;
      // then the cell ends with KeyboardInterrupt whether or not its promise settled
      this.interrupt_current = () => {
        hit = true;
        const grace = new Promise((res) => setTimeout(res, INTERRUPT_GRACE_MS).unref());
        void Promise.race([Promise.resolve(ret).catch(() => {}), grace]).then(() => reject(new KeyboardInterrupt()));
      };
    });
    try {
      await Promise.race([ret, interrupted]);
    } finally {
      this.interrupt_current = null;
    }
    if (hit) throw new KeyboardInterrupt(); // it stopped by itself after the interrupt (a Trainer): still interrupted
  }

  /**
   * Makes the awaiting cell fail with KeyboardInterrupt within INTERRUPT_GRACE_MS (pending work is abandoned, not
   * cancelled); a cell still compiling stops before it runs. (A running synchronous cell is stopped by SIGINT itself.)
   */
  interrupt(): void {
    if (this.interrupt_current) this.interrupt_current();
    else this.pending_interrupt = true;
  }

  /** Forgets an interrupt that came while no cell ran (the executor calls it as a cell starts). */
  clear_interrupt(): void {
    this.pending_interrupt = false;
  }

  private static prefix(async: boolean): string {
    return async ? "(async function (exports, require, __bl_bind) { " : "(function (exports, require, __bl_bind) { ";
  }

  /** The cell's column offset on its first line (the wrapper's prefix). */
  static prefix_length(async: boolean): number {
    return Runtime.prefix(async).length;
  }
}
