// A cell's value as a MIME bundle. Objects opt in the way Deno's Jupyter kernel defines:
// `value[Symbol.for("Jupyter.display")]()` returns (or resolves to) a bundle such as
// { "text/html": "...", "text/plain": "..." }; everything else is text/plain from util.inspect (bertlab
// tensors print torch-style through their util.inspect.custom).
import * as util from "util";
import type { Bundle } from "../server/iopub";

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export function plain_text(value: unknown): string {
  return util.inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10000, breakLength: 100 });
}

/** The bundle for a value; a failing display method falls back to text and says why on stderr. */
export async function value_bundle(value: unknown): Promise<Bundle> {
  const fn = value != null && (typeof value === "object" || typeof value === "function") ? (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] : undefined;
  if (typeof fn === "function") {
    try {
      const data = (await fn.call(value)) as Record<string, unknown> | null | undefined;
      if (data && typeof data === "object" && Object.keys(data).length) {
        return { data: "text/plain" in data ? { ...data } : { ...data, "text/plain": plain_text(value) } };
      }
      process.stderr.write(`[Symbol.for("Jupyter.display")]() returned ${util.inspect(data)}; expected a MIME bundle object\n`);
    } catch (e) {
      process.stderr.write(`[Symbol.for("Jupyter.display")]() failed: ${(e as Error)?.stack ?? e}\n`);
    }
  }
  return { data: { "text/plain": plain_text(value) } };
}
