#!/usr/bin/env node
// `bertlab` command line: kernelspec management, the headless notebook runner, and `lab`.
import * as path from "path";
import { Command } from "commander";
import {
  DEFAULT_DISPLAY_NAME,
  DEFAULT_ENGINE,
  DEFAULT_KERNEL_NAME,
  install_kernelspec,
  list_kernelspecs,
  uninstall_kernelspec,
} from "./kernelspec";
import { ParameterValue, parse_parameter } from "./notebook";
import { run_notebook } from "./runner";
import { DEFAULT_PORT, start_lab } from "./lab";

function collect(value: string, previous: string[]): string[] {
  return previous.concat([value]);
}

export function make_program(): Command {
  const program = new Command("bertlab").description("bertlab: BERT in TypeScript notebooks (kernel tools)");

  const kernel = program.command("kernel").description("manage the Jupyter kernelspec of bertlab's TypeScript kernel");
  kernel
    .command("install")
    .description("write <jupyter data dir>/kernels/<name>/kernel.json (no Python needed)")
    .option("--user", "install for this user (default): $JUPYTER_DATA_DIR or ~/.local/share/jupyter")
    .option("--prefix <dir>", "install under DIR/share/jupyter (use JUPYTER_PATH=DIR/share/jupyter)")
    .option("--name <name>", "kernelspec name", DEFAULT_KERNEL_NAME)
    .option("--display-name <text>", "name shown in Jupyter's kernel menu", DEFAULT_DISPLAY_NAME)
    .option("--engine <engine>", "kernel process: bertlab (its own kernel, the default) or tslab (stock tslab 1.0.22)", DEFAULT_ENGINE)
    .action((o: { user?: boolean; prefix?: string; name: string; displayName: string; engine: string }) => {
      if (o.engine !== "bertlab" && o.engine !== "tslab") throw new Error(`--engine "${o.engine}": expected bertlab or tslab`);
      const dir = install_kernelspec({ user: o.user, prefix: o.prefix, name: o.name, display_name: o.displayName, engine: o.engine });
      console.log(`Installed kernelspec ${o.name} in ${dir}`);
      // another kernelspec of that name earlier on Jupyter's path wins: say so, or notebooks run the other install
      const first = list_kernelspecs().find((k) => k.name.toLowerCase() === o.name.toLowerCase());
      if (first && path.resolve(first.dir) !== path.resolve(dir)) {
        const share = path.resolve(first.dir, "..", "..", "..");
        const remove = `npx bertlab kernel uninstall ${first.name}${path.basename(share) === "share" ? ` --prefix ${path.dirname(share)}` : ""}`;
        console.error(`warning: Jupyter finds ${first.dir} first (it launches ${first.spec.argv?.slice(0, 2).join(" ")}), not this one; `
          + `put ${path.dirname(path.dirname(dir))} first on JUPYTER_PATH, or remove that one: ${remove}`);
      }
    });
  kernel
    .command("list")
    .description("list the kernelspecs Jupyter would find")
    .action(() => {
      const found = list_kernelspecs();
      if (!found.length) console.log("No kernelspecs found.");
      for (const k of found) console.log(`${k.name.padEnd(20)} ${k.dir}  (${k.spec.display_name})`);
    });
  kernel
    .command("uninstall [name]")
    .description("remove a kernelspec folder")
    .option("--prefix <dir>", "remove it from DIR/share/jupyter")
    .action((name: string | undefined, o: { prefix?: string }) => {
      const dir = uninstall_kernelspec(name ?? DEFAULT_KERNEL_NAME, { prefix: o.prefix });
      console.log(`Removed ${dir}`);
    });

  program
    .command("run <notebook>")
    .description("execute a notebook headless through bertlab's kernel (papermill-like)")
    .option("-o, --output <file>", "executed notebook (default: out/<name>.ipynb)")
    .option("--html <file>", "also write a standalone HTML report")
    .option("--timeout <seconds>", "per-cell timeout", "600")
    .option("-p, --parameter <name=value>", "inject a parameter (repeatable); JSON values, else strings", collect, [])
    .option("--kernel-cwd <dir>", "working directory of the kernel (default: the notebook's folder)")
    .option("--allow-errors", "keep executing after a failing cell (still exits non-zero)")
    .option("-q, --quiet", "no per-cell progress lines")
    .option("--max-output-lines <n>", "per cell and stream, output lines kept; past it a visible 'output truncated: N lines omitted' line", "1000000")
    .action(async (notebook: string, o: {
      output?: string; html?: string; timeout: string; parameter: string[]; kernelCwd?: string; allowErrors?: boolean; quiet?: boolean; maxOutputLines: string;
    }) => {
      const max_output_lines = Number(o.maxOutputLines);
      if (!Number.isInteger(max_output_lines) || max_output_lines < 2) throw new Error(`--max-output-lines "${o.maxOutputLines}": expected an integer >= 2`);
      const timeout_s = Number(o.timeout);
      if (!(timeout_s > 0)) throw new Error(`--timeout "${o.timeout}": expected a positive number of seconds`);
      const parameters: Array<[string, ParameterValue]> = o.parameter.map(parse_parameter);
      const output = o.output ?? path.join("out", path.basename(notebook).replace(/\.ipynb$/i, "") + ".ipynb");
      const result = await run_notebook(notebook, {
        output,
        html: o.html,
        timeout_s,
        parameters,
        kernel_cwd: o.kernelCwd,
        allow_errors: o.allowErrors,
        max_output_lines,
        log: o.quiet ? () => {} : undefined,
      });
      console.log(`Executed notebook: ${result.output}`);
      if (result.html) console.log(`HTML report: ${result.html}`);
      if (result.failure) {
        console.error(`error: ${notebook}: ${result.failure.message}`);
        process.exitCode = 1;
      }
    });

  program
    .command("lab")
    .description("start Jupyter (lab, else classic notebook) with the bertlab kernel, or say how to install it; options after -- go to Jupyter as they are")
    .argument("[jupyter_args...]", "more Jupyter options (e.g. -- --NotebookApp.allow_origin='*')")
    .option("--notebook-dir <dir>", "folder Jupyter opens (default: notebooks/ when it exists, else the current folder)")
    .option("--port <port>", `port to serve on; when it is busy the next free one is taken (default ${DEFAULT_PORT})`)
    .option("--ip <address>", "address to listen on (Jupyter's default: localhost)")
    .option("--no-browser", "do not open a browser")
    .allowUnknownOption()
    .action(async (jupyter_args: string[], o: { notebookDir?: string; port?: string; ip?: string; browser: boolean }) => {
      const port = o.port === undefined ? undefined : Number(o.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new Error(`--port "${o.port}": expected a port number 1..65535`);
      process.exitCode = await start_lab({ notebook_dir: o.notebookDir, port, ip: o.ip, open_browser: o.browser, extra_args: jupyter_args });
    });
  program
    .command("doctor")
    .description("try what bertlab needs (backend, engine, an int8 forward, a head view PNG through Chromium, the kernelspec Jupyter finds, a cell importing bertlab outside any project, fonts, hub cache); ok / missing / broken with the fix; exits 1 when something is broken")
    .option("--json", "print the checks as JSON")
    .action(async (o: { json?: boolean }) => {
      const { doctor, format_checks } = await import("./doctor");
      const checks = await doctor();
      console.log(o.json ? JSON.stringify(checks, null, 2) : format_checks(checks));
      if (checks.some((c) => c.status === "broken")) process.exitCode = 1;
    });
  return program;
}

if (require.main === module) {
  make_program()
    .parseAsync(process.argv)
    .catch((e: Error) => {
      console.error(`bertlab: ${e.message}`);
      process.exit(2);
    });
}
