// `import ... from "bertlab"` in a notebook in any folder. A cell's imports resolve as Node resolves them — from
// the notebook's folder (the kernel's cwd) up — and, when "bertlab" (or "bertlab/<sub path>") is found nowhere
// there, from the bertlab install this kernel runs from (the one its kernelspec launches). Both halves: the
// type-checker (the file system TypeScript sees shows the kernel's install at <cwd>/node_modules/bertlab when Node
// finds none from <cwd>) and run time (the cells' require falls back to the kernel's install).
// A user's own packages, and a bertlab installed in the notebook's project, still win, as in Node.
import * as fs from "fs";
import * as path from "path";
import Module from "module";
import type { Diagnostic } from "./compiler";

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

/** File-system calls of TypeScript's `sys` that take a path first (what module resolution and watching use). */
const PATH_CALLS = ["fileExists", "directoryExists", "readFile", "realpath", "getDirectories", "readDirectory", "getModifiedTime", "watchFile", "watchDirectory"];

/**
 * TypeScript's `sys` as tslab's compiler should see it from `cwd`: when Node finds no "bertlab" from `cwd` up,
 * `cwd/node_modules/bertlab/…` shows the kernel's install (realpath gives its real files, so their own imports
 * resolve from there). TypeScript's own node10 resolution and its watch-mode resolution cache stay as they are:
 * the user's packages, and a bertlab installed anywhere above `cwd`, resolve first, as in Node.
 */
export function sys_with_kernel_bertlab<S extends object>(sys: S, cwd: string, root: string | null = kernel_package_root()): S {
  let own = true;
  try {
    Module.createRequire(path.join(cwd, "__cell__.js")).resolve(`${NAME}/package.json`);
  } catch {
    own = false;
  }
  if (own || !root) return sys;
  const shown = path.join(cwd, "node_modules", NAME);
  const forward = (p: unknown): unknown => {
    if (typeof p !== "string") return p;
    const n = path.normalize(p);
    return n === shown || n.startsWith(shown + path.sep) ? path.join(root, n.slice(shown.length)) : p;
  };
  return new Proxy(sys, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !PATH_CALLS.includes(key) || typeof value !== "function") return value;
      // `<cwd>/node_modules` itself must look present, or TypeScript's node10 lookup skips the folder
      if (key === "directoryExists") return (p: unknown) => (typeof p === "string" && path.normalize(p) === path.dirname(shown)) || value.call(target, forward(p));
      return (first: unknown, ...rest: unknown[]) => value.call(target, forward(first), ...rest);
    },
  });
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
