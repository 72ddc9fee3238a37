#!/usr/bin/env node
// `bertlab lab` / `npm run lab`: installs the kernelspec project-locally (.cache/jupyter, put on JUPYTER_PATH) and
// starts `jupyter lab`, else `jupyter notebook`; without Jupyter it prints how to install it. Jupyter's own options
// pass through (`--no-browser`, `--port`, `--ip`, `--notebook-dir`, and anything after `--`). The port is checked
// first: when it is busy (8888 by default, or the one asked for) the next free one is taken and said; the URL with
// its token is printed once Jupyter answers.
import * as fs from "fs";
import * as net from "net";
import * as http from "http";
import * as path from "path";
import { randomBytes } from "crypto";
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
then run \`npx bertlab lab\` again. Or run notebooks without Jupyter: npx bertlab run NOTEBOOK.ipynb --html out.html`;

export const DEFAULT_PORT = 8888;

export type LabOptions = {
  /** Folder Jupyter opens (default notebooks/ when it exists, else cwd). */
  notebook_dir?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Port to serve on (default 8888); when busy, the next free one is taken (and said). */
  port?: number;
  /** Address to listen on (Jupyter's --ip; default Jupyter's own: localhost). */
  ip?: string;
  /** false: --no-browser. */
  open_browser?: boolean;
  /** Passed to Jupyter as they are (after bertlab's own). */
  extra_args?: string[];
  /** Where bertlab's lines go (default console.log). */
  log?: (line: string) => void;
  /** Called once Jupyter answers, with its URL (token included) and a function that stops it. */
  on_ready?: (url: string, stop: () => void) => void;
};

/** Can something listen on `port` at `host`? (An address this machine lacks counts as free: Jupyter skips it too.) */
function can_listen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "EADDRNOTAVAIL" || e.code === "EAFNOSUPPORT"));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Whether `port` is free where Jupyter would bind (`ip`, or both loopbacks for its default "localhost"). */
export async function port_free(port: number, ip?: string): Promise<boolean> {
  const hosts = !ip || ip === "localhost" ? ["127.0.0.1", "::1"] : [ip === "*" ? "0.0.0.0" : ip];
  for (const h of hosts) if (!(await can_listen(port, h))) return false;
  return true;
}

/** `want` when free, else the next free port after it (up to 100 on), else one the OS picks. */
export async function choose_port(want: number, ip?: string): Promise<number> {
  for (let p = want; p < Math.min(want + 100, 65536); p++) if (await port_free(p, ip)) return p;
  const s = net.createServer();
  await new Promise<void>((res) => s.listen(0, ip && ip !== "localhost" && ip !== "*" ? ip : "127.0.0.1", () => res()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((res) => s.close(res));
  return port;
}

/** The value of `--name=value` / `--name value` in `args`, if given. */
function arg_value(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
    if (args[i] === `--${name}`) return args[i + 1];
  }
  return undefined;
}

/** GET url → status code, or null when nothing answers. */
function http_status(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on("error", () => resolve(null));
    req.on("timeout", () => req.destroy());
  });
}

/** Starts Jupyter and resolves with its exit code (1 when Jupyter is missing or its port is taken). */
export async function start_lab(opts: LabOptions = {}): Promise<number> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const env = { ...(opts.env ?? process.env) };
  const app = which("jupyter-lab", env) ? "lab" : which("jupyter-notebook", env) ? "notebook" : null;
  if (!app) {
    console.error(INSTALL_HELP);
    return 1;
  }
  const extra = opts.extra_args ?? [];
  // options given after `--` in Jupyter's own spelling win over bertlab's copies of them
  const ip = arg_value(extra, "ip") ?? opts.ip;
  const asked = Number(arg_value(extra, "port") ?? opts.port ?? DEFAULT_PORT);
  if (!Number.isInteger(asked) || asked < 1 || asked > 65535) throw new Error(`--port "${arg_value(extra, "port") ?? opts.port}": expected a port number 1..65535`);
  const port = await choose_port(asked, ip);
  if (port !== asked) log(`Port ${asked} is busy${opts.port === undefined && arg_value(extra, "port") === undefined ? " (Jupyter's default)" : ""}; using ${port}.`);

  const prefix = path.join(cwd, ".cache", "jupyter");
  const dir = install_kernelspec({ prefix });
  env.JUPYTER_PATH = [path.join(prefix, "share", "jupyter"), env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  let notebook_dir = path.resolve(cwd, arg_value(extra, "notebook-dir") ?? opts.notebook_dir ?? "notebooks");
  if (!fs.existsSync(notebook_dir)) {
    if (opts.notebook_dir !== undefined || arg_value(extra, "notebook-dir") !== undefined) throw new Error(`--notebook-dir "${notebook_dir}": no such folder`);
    notebook_dir = cwd;
  }
  // a token bertlab knows, so it can print the URL (JUPYTER_TOKEN is read by the classic notebook and jupyter_server)
  const own_token = arg_value(extra, "NotebookApp.token") ?? arg_value(extra, "ServerApp.token") ?? arg_value(extra, "IdentityProvider.token");
  const token = own_token ?? env.JUPYTER_TOKEN ?? randomBytes(24).toString("hex");
  env.JUPYTER_TOKEN = token;
  log(`Kernelspec: ${dir}\nStarting jupyter ${app} in ${notebook_dir} on port ${port} (choose the "TypeScript (bertlab)" kernel)`);

  const drop = new Set(["ip", "port", "notebook-dir"]);
  const passed = extra.filter((a, i) => {
    const name = /^--([^=]+)/.exec(a)?.[1];
    const prev = /^--([^=]+)$/.exec(extra[i - 1] ?? "")?.[1];
    return !(name && drop.has(name)) && !(prev && drop.has(prev) && !a.startsWith("--"));
  });
  const args = [`--notebook-dir=${notebook_dir}`, `--port=${port}`, "--port-retries=0"];
  if (ip) args.push(`--ip=${ip}`);
  if (opts.open_browser === false) args.push("--no-browser");
  // Jupyter refuses to start as root unless told (containers, CI machines).
  if (process.getuid?.() === 0 && !passed.includes("--allow-root")) args.push("--allow-root");
  const child = spawn(which(`jupyter-${app}`, env)!, [...args, ...passed], { cwd, env, stdio: "inherit" });

  const host = !ip || ip === "localhost" || ip === "0.0.0.0" || ip === "*" || ip === "::" ? "localhost" : ip.includes(":") ? `[${ip}]` : ip;
  const url = `http://${host}:${port}/${app === "lab" ? "lab" : "tree"}?token=${token}`;
  const probe = `http://${host === "localhost" ? "127.0.0.1" : host}:${port}/api`;
  let exited = false;
  const stop = () => void (exited || child.kill("SIGTERM"));
  void (async () => {
    for (let t = Date.now(); !exited && Date.now() - t < 120_000; await new Promise((res) => setTimeout(res, 250))) {
      if ((await http_status(probe)) === 200) {
        if (!exited) {
          log(`Jupyter ${app} is ready: ${url}`);
          opts.on_ready?.(url, stop);
        }
        return;
      }
    }
  })();

  // Ctrl-C reaches Jupyter through the terminal's process group; stay alive until it has shut down.
  const ignore = () => {};
  const forward_term = () => child.kill("SIGTERM");
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward_term);
  return new Promise<number>((resolve) => {
    const done = (code: number) => {
      exited = true;
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward_term);
      resolve(code);
    };
    child.on("exit", (code, signal) => done(code ?? (signal === "SIGTERM" ? 0 : 1)));
    child.on("error", (e) => {
      console.error(`could not start jupyter ${app}: ${e.message}`);
      done(1);
    });
  });
}

if (require.main === module) {
  // `npm run lab -- ARGS`: the same options as `bertlab lab ARGS`
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { make_program } = require("./cli") as typeof import("./cli");
  make_program()
    .parseAsync([process.argv[0], "bertlab", "lab", ...process.argv.slice(2)])
    .catch((e: Error) => {
      console.error(`bertlab: ${e.message}`);
      process.exit(2);
    });
}
