// Jupyter kernelspecs for bertlab's kernel (or stock tslab, --engine tslab), written without Python/IPython:
// <data dir>/kernels/<name>/kernel.json (+ logos), and list/uninstall over Jupyter's search path.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { type DirFile, write_files_atomic } from "../src/utils/atomic_dir";

export const DEFAULT_KERNEL_NAME = "bertlab";
export const DEFAULT_DISPLAY_NAME = "TypeScript (bertlab)";

export type KernelSpec = {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode?: "signal" | "message";
  env?: { [key: string]: string };
  metadata?: { [key: string]: unknown };
};

/** Which kernel process a kernelspec starts: bertlab's own (kernel/server) or stock tslab (for comparison). */
export type KernelEngine = "bertlab" | "tslab";
export const DEFAULT_ENGINE: KernelEngine = "bertlab";

export type InstallOptions = {
  /** Kernel process to start (default DEFAULT_ENGINE). */
  engine?: KernelEngine;
  /** Install under DIR/share/jupyter (like `jupyter kernelspec install --prefix`). */
  prefix?: string;
  /** Per-user data dir (the default): $JUPYTER_DATA_DIR or the platform's user dir. */
  user?: boolean;
  name?: string;
  display_name?: string;
  /** Extra environment for the kernel process. */
  env?: { [key: string]: string };
};

/** Absolute path of tslab's launcher script in the installed tslab package. */
export function tslab_bin(): string {
  const pkg = require.resolve("tslab/package.json");
  const bin = path.join(path.dirname(pkg), "bin", "tslab");
  if (!fs.existsSync(bin)) throw new Error(`tslab launcher not found at ${bin}; is the tslab package installed?`);
  return bin;
}

/**
 * The kernel launcher (tslab_launch.js beside this file once built: tslab with a lossless iopub
 * publisher). From the TypeScript sources (tests under tsx) it is the built copy in dist/kernel/.
 */
export function kernel_launcher(): string {
  const here = path.join(__dirname, "tslab_launch.js");
  if (fs.existsSync(here)) return here;
  const built = path.join(__dirname, "..", "dist", "kernel", "tslab_launch.js");
  if (fs.existsSync(built)) return built;
  throw new Error(`kernel launcher not found at ${here} or ${built}; run \`npm run build\``);
}

/** Absolute path of bertlab's kernel process (the build's dist/kernel/server/main.js). */
export function kernel_main(): string {
  // from dist/kernel/kernelspec.js and from kernel/kernelspec.ts (tests under tsx) alike: the package root's build
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const main = path.join(dir, "dist", "kernel", "server", "main.js");
  if (!fs.existsSync(main)) throw new Error(`bertlab's kernel ${main} is missing: run \`npm run build\` first`);
  return main;
}

/** The command line that starts a kernel ("{connection_file}" is filled in by Jupyter). */
export function kernel_argv(engine: KernelEngine = DEFAULT_ENGINE): string[] {
  return engine === "bertlab"
    ? [process.execPath, kernel_main(), "{connection_file}"]
    : [process.execPath, kernel_launcher(), "kernel", "--config-path", "{connection_file}"]; // tslab, lossless iopub
}

/** Jupyter's per-user data dir, as jupyter_core computes it. */
export function jupyter_data_dir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return path.resolve(env.JUPYTER_DATA_DIR);
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** Data dirs Jupyter searches for kernels, highest priority first. */
export function jupyter_path(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.JUPYTER_PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.resolve(d));
  dirs.push(jupyter_data_dir(env));
  if (process.platform !== "win32") dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs)];
}

export function kernelspec_for(
  name = DEFAULT_KERNEL_NAME,
  display_name = DEFAULT_DISPLAY_NAME,
  env?: { [key: string]: string },
  engine: KernelEngine = DEFAULT_ENGINE,
): KernelSpec {
  const spec: KernelSpec = {
    argv: kernel_argv(engine),
    display_name,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { bertlab: { kernel_name: name } },
  };
  if (env && Object.keys(env).length) spec.env = env;
  return spec;
}

function check_name(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(`kernel name "${name}" is invalid: use letters, digits, ".", "_" or "-" (Jupyter kernelspec names)`);
  }
}

/** Writes the kernelspec folder; returns its path. */
export function install_kernelspec(opts: InstallOptions = {}): string {
  const name = opts.name ?? DEFAULT_KERNEL_NAME;
  check_name(name);
  if (opts.prefix && opts.user) throw new Error("kernel install: --user and --prefix are exclusive");
  const base = opts.prefix ? path.join(path.resolve(opts.prefix), "share", "jupyter") : jupyter_data_dir();
  const dir = path.join(base, "kernels", name);
  const spec = kernelspec_for(name, opts.display_name ?? DEFAULT_DISPLAY_NAME, opts.env, opts.engine);
  // kernel.json and the logos in one all-or-nothing commit: Jupyter never finds half an install.
  write_files_atomic(dir, [{ name: "kernel.json", data: JSON.stringify(spec, null, 2) + "\n" }, ...logos()]);
  return dir;
}

export type InstalledKernel = { name: string; dir: string; spec: KernelSpec };

export function list_kernelspecs(env: NodeJS.ProcessEnv = process.env): InstalledKernel[] {
  const found = new Map<string, InstalledKernel>();
  for (const data of jupyter_path(env)) {
    const kernels = path.join(data, "kernels");
    if (!fs.existsSync(kernels)) continue;
    for (const name of fs.readdirSync(kernels).sort()) {
      const file = path.join(kernels, name, "kernel.json");
      if (found.has(name.toLowerCase()) || !fs.existsSync(file)) continue;
      try {
        found.set(name.toLowerCase(), { name, dir: path.dirname(file), spec: JSON.parse(fs.readFileSync(file, "utf8")) });
      } catch {
        // unreadable spec: Jupyter skips it too
      }
    }
  }
  return [...found.values()];
}

/** Removes a kernelspec folder (from `prefix` if given, else the first match on Jupyter's path). */
export function uninstall_kernelspec(name = DEFAULT_KERNEL_NAME, opts: { prefix?: string } = {}): string {
  check_name(name);
  const dir = opts.prefix
    ? path.join(path.resolve(opts.prefix), "share", "jupyter", "kernels", name)
    : list_kernelspecs().find((k) => k.name === name)?.dir;
  if (!dir || !fs.existsSync(path.join(dir, "kernel.json"))) {
    throw new Error(`kernel uninstall: no kernelspec named "${name}"${opts.prefix ? ` under ${opts.prefix}` : ""}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
<rect width="64" height="64" rx="10" fill="#3178c6"/>
<rect x="8" y="40" width="48" height="6" rx="3" fill="#ffd21e"/>
<rect x="8" y="50" width="32" height="6" rx="3" fill="#ffd21e"/>
<path d="M14 10h14a8 8 0 0 1 0 16a8 8 0 0 1 0 0h-14zM19 14v8h8a4 4 0 0 0 0-8zM38 10h14v4h-5v20h-4v-20h-5z" fill="#fff"/>
</svg>
`;

/** logo-svg.svg always; logo-32x32.png / logo-64x64.png when resvg is available. */
function logos(): DirFile[] {
  const out: DirFile[] = [{ name: "logo-svg.svg", data: LOGO_SVG }];
  try {
    const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
    for (const size of [32, 64]) {
      out.push({ name: `logo-${size}x${size}.png`, data: new Resvg(LOGO_SVG, { fitTo: { mode: "width", value: size } }).render().asPng() });
    }
  } catch {
    // PNG logos are optional; Jupyter falls back to the SVG or its default.
  }
  return out;
}
