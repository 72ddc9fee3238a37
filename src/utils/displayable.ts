// The rich-display protocol of Deno's Jupyter kernel, which bertlab's kernel follows too: an object opts in
// with a `[Symbol.for("Jupyter.display")]()` method returning a MIME bundle (or a Promise of one), which the
// kernel awaits for a cell's last value. No imports: plots/ uses it without loading tfjs.

/** The key Deno's Jupyter kernel (and bertlab's) look up on a cell's value. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** A Jupyter MIME bundle: mime type → string (base64 for images) or a JSON object (`+json` types). */
export type MimeBundle = { [mime: string]: string | object };

/** Anything with the Jupyter.display method. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle | Promise<MimeBundle>;
}

/**
 * Whether an object renders richly as a cell's value (it has Deno's `[Symbol.for("Jupyter.display")]()` method).
 * @example
 * ```ts
 * is_displayable(plot_attention(att, tokens)) // true
 * ```
 */
export function is_displayable(x: unknown): x is Displayable {
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof (x as Displayable)[JUPYTER_DISPLAY] === "function";
}

/** Gives `target` a non-enumerable Jupyter.display method (its keys, JSON and spread copies are unchanged). */
export function set_display<T extends object>(target: T, display: (this: T) => MimeBundle | Promise<MimeBundle>): T {
  Object.defineProperty(target, JUPYTER_DISPLAY, { value: display, enumerable: false, configurable: true, writable: true });
  return target;
}

export function escape_html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
