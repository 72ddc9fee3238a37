#!/usr/bin/env node
// `npm run lab`: installs the kernelspec project-locally (.cache/jupyter, put on JUPYTER_PATH) and starts
// `jupyter lab`, else `jupyter notebook`; without Jupyter it prints how to install it.
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { install_kernelspec } from "./kernelspec";

/** First executable named `name` on PATH, or null. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return null;
}

export const INSTALL_HELP = `Jupyter was not found on PATH (looked for jupyter-lab and jupyter-notebook).
Install one of:
  pip install jupyterlab            # JupyterLab (renders vega-lite and plotly outputs natively)
  apt-get install jupyter-notebook  # Debian/Ubuntu: the classic notebook (shows the PNG fallbacks)
then run \`npm run lab\` again. Or run notebooks without Jupyter: npx bertlab run NOTEBOOK.ipynb --html out.html`;

export type LabOptions = { notebook_dir?: string; cwd?: string; env?: NodeJS.ProcessEnv; extra_args?: string[] };

/** Starts Jupyter and resolves with its exit code (1 when Jupyter is missing). */
export async function start_lab(opts: LabOptions = {}): Promise<number> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const env = { ...(opts.env ?? process.env) };
  const app = which("jupyter-lab", env) ? "lab" : which("jupyter-notebook", env) ? "notebook" : null;
  if (!app) {
    console.error(INSTALL_HELP);
    return 1;
  }
  const prefix = path.join(cwd, ".cache", "jupyter");
  const dir = install_kernelspec({ prefix });
  env.JUPYTER_PATH = [path.join(prefix, "share", "jupyter"), env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  let notebook_dir = path.resolve(cwd, opts.notebook_dir ?? "notebooks");
  if (!fs.existsSync(notebook_dir)) notebook_dir = cwd;
  console.log(`Kernelspec: ${dir}\nStarting jupyter ${app} in ${notebook_dir} (choose the "TypeScript (bertlab)" kernel)`);
  const args = [`--notebook-dir=${notebook_dir}`];
  // Jupyter refuses to start as root unless told (containers, CI machines).
  if (process.getuid?.() === 0) args.push("--allow-root");
  const child = spawn(which(`jupyter-${app}`, env)!, [...args, ...(opts.extra_args ?? [])], {
    cwd,
    env,
    stdio: "inherit",
  });
  // Ctrl-C reaches Jupyter through the terminal's process group; stay alive until it has shut down.
  const ignore = () => {};
  const forward_term = () => child.kill("SIGTERM");
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward_term);
  return new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward_term);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on("error", (e) => {
      console.error(`could not start jupyter ${app}: ${e.message}`);
      resolve(1);
    });
  });
}

if (require.main === module) {
  start_lab({ extra_args: process.argv.slice(2) }).then((code) => process.exit(code));
}
