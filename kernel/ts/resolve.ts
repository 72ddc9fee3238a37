// `import ... from "bertlab"` in a notebook in any folder. A cell's imports resolve as Node resolves them — from
// the notebook's folder (the kernel's cwd) up — and, when "bertlab" (or "bertlab/<sub path>") is found nowhere
// there, from the bertlab install this kernel runs from (the one its kernelspec launches). Both halves: the
// type-checker (a resolveModuleNames hook on tslab's watch compiler host) and run time (the cells' require).
// A user's own packages, and a bertlab installed in the notebook's project, still win, as in Node.
import * as fs from "fs";
import * as path from "path";
import Module from "module";
import type { Diagnostic, TsModule } from "./compiler";

const NAME = "bertlab";

/** The package root of the running kernel (the folder whose package.json is bertlab's), or null. */
export function kernel_package_root(from: string = __dirname): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, "utf8")).name === NAME) return dir;
      } catch {
        // an unreadable package.json: keep walking
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

/** "bertlab" → the kernel's package root; "bertlab/x/y" → root/x/y; anything else → null. */
function kernel_path_for(id: string, root: string | null = kernel_package_root()): string | null {
  if (!root || (id !== NAME && !id.startsWith(NAME + "/"))) return null;
  return path.join(root, id.slice(NAME.length));
}

/** What a failed lookup of bertlab says: which install the kernel is and how to fix it. */
export function unresolved_note(id: string, cwd: string, root: string | null = kernel_package_root()): string {
  const where = root ? `this kernel runs from the bertlab install at ${root}, and '${id}' is not there either (${kernel_path_for(id, root)})`
    : "this kernel is not running from a bertlab install";
  return `'${id}' resolves from the notebook's folder (${cwd}) up, then from the kernel's own install; ${where}. `
    + `Fix: \`npm install bertlab\` in the notebook's project, or reinstall the kernelspec from a built bertlab (\`npx bertlab kernel install\`, \`npx bertlab doctor\` shows which install Jupyter launches).`;
}

/**
 * The cells' `require`: Node's resolution from the notebook's folder first; for "bertlab" found nowhere there, the
 * kernel's own install (the same files the kernel itself loaded, so one copy of bertlab and of tfjs).
 */
export function with_kernel_fallback(req: NodeJS.Require, cwd: string): NodeJS.Require {
  const resolve = (id: string, opts?: { paths?: string[] }): string => {
    try {
      return req.resolve(id, opts);
    } catch (e) {
      const local = kernel_path_for(id);
      if (!local || (e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
      try {
        return require.resolve(local);
      } catch {
        throw Object.assign(new Error(`Cannot find module '${id}': ${unresolved_note(id, cwd)}`), { code: "MODULE_NOT_FOUND" });
      }
    }
  };
  // only a failed lookup of the name itself falls back (a module missing deeper inside a package is its own error)
  const wrapped = (id: string): unknown => (kernel_path_for(id) ? req(resolve(id)) : req(id));
  return Object.assign(wrapped, {
    resolve: Object.assign(resolve, { paths: req.resolve.paths }),
    cache: req.cache,
    main: req.main,
    extensions: req.extensions,
  }) as NodeJS.Require;
}

type ResolvedModule = { resolvedFileName: string; extension?: string; isExternalLibraryImport?: boolean } | undefined;
type ResolutionHost = { fileExists(f: string): boolean; readFile(f: string): string | undefined };

/**
 * Adds module resolution to tslab's watch compiler host: TypeScript's own (node10, from the importing file's
 * folder), then, for "bertlab" left unresolved, the kernel's install. Returns the host.
 */
export function resolve_bertlab_from_kernel<H extends ResolutionHost>(ts: TsModule, host: H): H {
  const root = kernel_package_root();
  (host as H & { resolveModuleNames: unknown }).resolveModuleNames = (
    names: string[], containing: string, _reused: unknown, redirected: unknown, options: object,
  ): ResolvedModule[] =>
    names.map((name) => {
      const found = ts.resolveModuleName(name, containing, options, host, undefined, redirected).resolvedModule as ResolvedModule;
      const local = found ? null : kernel_path_for(name, root);
      if (!local) return found;
      // the package root (or sub path) as an absolute module name: TypeScript reads its package.json "types"
      const r = ts.resolveModuleName(local, containing, options, host, undefined, redirected).resolvedModule as ResolvedModule;
      return r && { ...r, isExternalLibraryImport: true };
    });
  return host;
}

/** TS2307 for "bertlab" (not found even in the kernel's install): the message says which install and the fix. */
export function explain_unresolved(diags: Diagnostic[], cwd: string): Diagnostic[] {
  return diags.map((d) => {
    const id = d.code === 2307 ? new RegExp(`'(${NAME}(/[^']*)?)'`).exec(d.messageText)?.[1] : undefined;
    return id ? { ...d, messageText: `${d.messageText} ${unresolved_note(id, cwd)}` } : d;
  });
}

/** Whether `pkg` resolves for a cell run from `cwd` (Node's lookup, else the kernel's own bertlab). */
export function resolves_for_cells(pkg: string, cwd: string): boolean {
  try {
    with_kernel_fallback(Module.createRequire(path.join(cwd, "__cell__.js")), cwd).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
