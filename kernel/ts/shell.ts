// Shell commands from cells: `!cmd` (sh -c) and `%%bash` / `%%sh` scripts, run in the kernel's folder with its
// environment, their output streamed to the cell's stdout / stderr as it comes, stopped by an interrupt (the whole
// process group: SIGINT, SIGKILL a second later), and IPython's `$name` / `{name}` expansion of the cells' names.
import { spawn } from "child_process";
import { interrupt_generation, interrupted_since } from "../../src/utils/interrupt";
import { type Outcome, error } from "./outcome";

/**
 * A shell command (`!cmd`: `sh -c`) or script (`%%bash` / `%%sh` on stdin), its output streamed to the cell's
 * stdout / stderr as it comes. An interrupt sends SIGINT to it (SIGKILL a second later). A non-zero exit status
 * is printed (`!cmd`) or fails the cell (`%%bash`, as IPython's CalledProcessError).
 */
export function run_shell(argv: string[], stdin: string | null, fail: boolean, shell = "sh"): Promise<Outcome> {
  return new Promise((resolve) => {
    // its own process group, so an interrupt reaches the command the shell waits on (`sleep` in `!sleep 9`)
    const child = spawn(shell === "bash" ? "bash" : "/bin/sh", argv, { cwd: process.cwd(), env: process.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    const signal_group = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    };
    const gen = interrupt_generation();
    let interrupted = false;
    const watch = setInterval(() => {
      if (!interrupted && interrupted_since(gen)) {
        interrupted = true;
        signal_group("SIGINT");
        setTimeout(() => signal_group("SIGKILL"), 1000).unref();
      }
    }, 50);
    child.stdout!.on("data", (d: Buffer) => process.stdout.write(d.toString("utf8")));
    child.stderr!.on("data", (d: Buffer) => process.stderr.write(d.toString("utf8")));
    child.stdin!.on("error", () => {});
    child.stdin!.end(stdin ?? "");
    const done = (o: Outcome) => {
      clearInterval(watch);
      resolve(o);
    };
    child.on("error", (e) => done(error("OSError", `${shell}: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (interrupted) return done(error("KeyboardInterrupt", `interrupted (the command got SIGINT)`));
      const status = code ?? (signal ? `signal ${signal}` : "?");
      if (code === 0) return done({ status: "ok" });
      const what = stdin === null ? `!${argv[1]}` : `%%${shell}`;
      if (fail) return done(error("CalledProcessError", `${what}: the script returned non-zero exit status ${status}`));
      process.stderr.write(`exit status ${status}\n`);
      done({ status: "ok" });
    });
  });
}

/**
 * IPython's expansion in `!cmd`: `$name`, `{name}` and `{name.field}` become the value of a cell's name (names the
 * cells do not have stay as they are, for the shell: `$HOME`); `$$` is a literal `$`.
 */
export function expand(cmd: string, names: Record<string, unknown>): string {
  const value = (path: string): string | null => {
    const [head, ...rest] = path.split(".");
    if (!Object.prototype.hasOwnProperty.call(names, head)) return null;
    let v: unknown = names[head];
    for (const k of rest) v = v == null ? undefined : (v as Record<string, unknown>)[k];
    return v === undefined ? null : Array.isArray(v) ? v.join(" ") : String(v);
  };
  return cmd.replace(/\$\$|\$([A-Za-z_]\w*)|\{([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*)\}/g, (m, a?: string, b?: string) => {
    if (m === "$$") return "$";
    return value((a ?? b)!) ?? m;
  });
}
