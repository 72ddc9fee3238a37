// What user code in the kernel process sees of the kernel: process.stdout / process.stderr (and so console.*)
// become iopub stream messages of the running cell, and `globalThis[Symbol.for("bertlab.kernel")]` is the
// display contract kernel/display.ts and any library can use without importing the kernel:
//   { display(bundle: { data, metadata? }, opts?: { display_id?, update? }): void; clear_output(wait?): void }
import type { Bundle, IoPub } from "./iopub";

export const KERNEL_KEY = Symbol.for("bertlab.kernel");

export type KernelApi = {
  display(bundle: Bundle, opts?: { display_id?: string; update?: boolean }): void;
  clear_output(wait?: boolean): void;
};

type Write = typeof process.stdout.write;

/** Installs the hooks; returns the kernel's own log line writer (the real stderr) and an undo. */
export function install_hooks(iopub: IoPub): { log: (line: string) => void; restore: () => void } {
  const real_out = process.stdout.write;
  const real_err = process.stderr.write;
  const log_to = real_err.bind(process.stderr);
  const hook = (name: "stdout" | "stderr"): Write =>
    function write(this: unknown, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
      if (typeof encoding === "function") [cb, encoding] = [encoding, undefined];
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString((encoding as BufferEncoding | undefined) ?? "utf8");
      iopub.stream(name, text);
      if (typeof cb === "function") process.nextTick(cb as () => void);
      return true;
    } as Write;
  process.stdout.write = hook("stdout");
  process.stderr.write = hook("stderr");
  const api: KernelApi = {
    display: (bundle, opts) => iopub.display(bundle, opts),
    clear_output: (wait) => iopub.clear_output(!!wait),
  };
  (globalThis as Record<symbol, unknown>)[KERNEL_KEY] = api;
  return {
    log: (line) => void log_to(`[bertlab kernel] ${line}\n`),
    restore: () => {
      process.stdout.write = real_out;
      process.stderr.write = real_err;
      delete (globalThis as Record<symbol, unknown>)[KERNEL_KEY];
    },
  };
}
