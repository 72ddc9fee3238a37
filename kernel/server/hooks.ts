// What user code in the kernel process sees of the kernel: process.stdout / process.stderr (and so console.*)
// become iopub stream messages of the running cell, and `globalThis[Symbol.for("bertlab.kernel")]` is the
// display contract kernel/display.ts and any library can use without importing the kernel:
//   { display(bundle: { data, metadata? }, opts?: { display_id?, update? }): void; clear_output(wait?): void;
//     input(prompt?, { password? }): Promise<string> }
// process.stdin becomes a stream that asks the running cell's front end for a line (input_request) whenever it
// is read, and fails at once with a clear error when the front end does not take input (allow_stdin false).
import { Readable } from "stream";
import type { Bundle, IoPub } from "./iopub";

export const KERNEL_KEY = Symbol.for("bertlab.kernel");

export type KernelApi = {
  display(bundle: Bundle, opts?: { display_id?: string; update?: boolean }): void;
  clear_output(wait?: boolean): void;
  /** A line from the front end (input_request); rejects at once when the cell's front end does not take input. */
  input(prompt?: string, opts?: { password?: boolean }): Promise<string>;
};

export type InputFn = (prompt: string, password: boolean) => Promise<string>;

/** process.stdin for cells: each read is one input_request; an error (no stdin) ends the stream with that error. */
function stdin_stream(input: InputFn): Readable {
  return new Readable({
    read() {
      input("", false).then(
        (line) => this.push(line + "\n"),
        (e: Error) => this.destroy(e),
      );
    },
  });
}

type Write = typeof process.stdout.write;

/** Installs the hooks; returns an undo. */
export function install_hooks(iopub: IoPub, input: InputFn): { restore: () => void } {
  const real_out = process.stdout.write;
  const real_err = process.stderr.write;
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
    input: (prompt, opts) => input(prompt ?? "", !!opts?.password),
  };
  (globalThis as Record<symbol, unknown>)[KERNEL_KEY] = api;
  const real_stdin = Object.getOwnPropertyDescriptor(process, "stdin");
  let stdin: Readable | null = null;
  Object.defineProperty(process, "stdin", {
    configurable: true,
    enumerable: real_stdin?.enumerable ?? true,
    get: () => (stdin && !stdin.destroyed && !stdin.readableEnded ? stdin : (stdin = stdin_stream(input))),
  });
  return {
    restore: () => {
      process.stdout.write = real_out;
      process.stderr.write = real_err;
      if (real_stdin) Object.defineProperty(process, "stdin", real_stdin);
      delete (globalThis as Record<symbol, unknown>)[KERNEL_KEY];
    },
  };
}
