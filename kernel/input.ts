// input(): a line of text from the person running the notebook, as Python's input(). In bertlab's kernel it is
// an input_request to the front end (JupyterLab shows an input box; `password` hides what is typed); when the
// front end does not take input (a headless run: allow_stdin false) it fails at once with
// StdinNotImplementedError. In a plain Node script it reads one line from standard input.
//   const name = await input("Your name: ");
import * as readline from "readline";
import { BERTLAB_KERNEL } from "./display";

type KernelInput = { input?: (prompt?: string, opts?: { password?: boolean }) => Promise<string> };

/**
 * A line of text from the person running the notebook (Python: `input()`; with `{ password: true }`, like
 * `getpass.getpass()`). In bertlab's kernel it asks the front end (JupyterLab shows an input box); a front end
 * that takes no input (a headless run, allow_stdin false) makes it fail at once with StdinNotImplementedError.
 * In a plain Node script it reads one line from standard input.
 * @example
 * ```ts
 * const name = await input("Your name: ");
 * const token = await input("HF token: ", { password: true });
 * ```
 */
export async function input(prompt = "", opts: { password?: boolean } = {}): Promise<string> {
  if (typeof prompt !== "string") throw new TypeError(`input(prompt): prompt should be a string, got ${typeof prompt}`);
  const kernel = (globalThis as Record<symbol, unknown>)[BERTLAB_KERNEL] as KernelInput | undefined;
  if (kernel?.input) return kernel.input(prompt, opts);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("close", () => reject(new Error("input(): standard input ended before a line was read")));
      rl.question(prompt, resolve);
    });
  } finally {
    rl.close();
  }
}
