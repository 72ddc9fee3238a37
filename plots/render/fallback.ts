// PNG of an interactive html chart (model view, neuron view, head view) through Chromium; where no
// Chromium is installed, the PNG of its static vega-lite twin instead (rendered in Node): `fallback`, or the
// twin the chart carries (head_view, model_view, neuron_view and token_attribution_html attach one).
import type { Chart } from "../chart";
import { ChromiumMissingError } from "./browser";
import { to_png } from "./image";
import type { PngOptions } from "./png";

/**
 * A PNG of any chart: through Chromium for HTML charts when it is installed, else the chart's static vega-lite twin.
 * @example
 * ```ts
 * const png = await to_png_or_static(head_view(att, tokens))
 * ```
 */
export async function to_png_or_static(chart: Chart, fallback?: Chart, opts: PngOptions = {}): Promise<{ png: Uint8Array; rendered: "browser" | "static" }> {
  try {
    return { png: await to_png(chart, opts), rendered: "browser" };
  } catch (e) {
    if (!(e instanceof ChromiumMissingError)) throw e;
    const twin = fallback ?? (chart.library === "html" ? chart.static : undefined);
    if (!twin) throw e;
    return { png: await to_png(twin, opts), rendered: "static" };
  }
}
