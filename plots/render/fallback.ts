// PNG of an interactive html chart (model view, neuron view, head view) through Chromium; where no
// Chromium is installed, the PNG of its static vega-lite twin instead (rendered in Node).
import type { Chart } from "../chart";
import { ChromiumMissingError } from "./browser";
import { to_png } from "./image";
import type { PngOptions } from "./png";

export async function to_png_or_static(chart: Chart, fallback: Chart, opts: PngOptions = {}): Promise<{ png: Uint8Array; rendered: "browser" | "static" }> {
  try {
    return { png: await to_png(chart, opts), rendered: "browser" };
  } catch (e) {
    if (!(e instanceof ChromiumMissingError)) throw e;
    return { png: await to_png(fallback, opts), rendered: "static" };
  }
}
