// Chart → one Jupyter MIME bundle: the interactive spec for frontends that render it, static SVG/PNG
// fallbacks for those that don't (classic notebook, nbconvert, GitHub), and text/plain.
// The same bundle is what `show` sends and what a chart's `[Symbol.for("Jupyter.display")]()` returns.
import type { Chart, VegaLiteChart } from "../chart";
import type { MimeBundle } from "../../src/utils/displayable";
import { chart_fragment, library_scripts } from "./html";
import { chromium_path } from "./browser";
import { to_png } from "./image";
import { svg_to_png } from "./png";
import { vega_lite_to_svg } from "./vega";

/**
 * The MIME type of vega-lite specs in display bundles (`application/vnd.vegalite.v5+json`).
 */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
/**
 * The MIME type of plotly figures in display bundles (`application/vnd.plotly.v1+json`).
 */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export type { MimeBundle };

/** Options of chart_bundle: whether to add PNG / SVG fallbacks to a chart's MIME bundle, and the PNG density. */
export type BundleOptions = {
  /** Add PNG/SVG fallbacks (default true). plotly charts get a PNG only when Chromium is present; html charts
   * get Chromium's screenshot, else their static vega-lite twin's SVG / PNG where they have one. */
  static?: boolean;
  /** PNG pixel density (default 2). */
  scale?: number;
};

/**
 * One line of text describing a chart, `<VegaLite chart: title>`: the text/plain part of a chart's display bundle.
 * @example
 * ```ts
 * chart_summary(plot_schedules("linear", { num_warmup_steps: 10, num_training_steps: 100 }))
 * ```
 */
export function chart_summary(chart: Chart): string {
  const kind = chart.library === "vega-lite" ? "VegaLite" : chart.library === "plotly" ? "Plotly" : "Html";
  return `<${kind} chart${chart.title ? `: ${chart.title}` : ""}>`;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/** A vega-lite chart's static pictures, drawn in Node: SVG, and the PNG rasterised from it. */
async function add_pictures(data: MimeBundle, chart: VegaLiteChart, scale: number): Promise<void> {
  const svg = await vega_lite_to_svg(chart);
  data["image/svg+xml"] = svg;
  data["image/png"] = b64(svg_to_png(svg, { scale }));
}

/** Builds the display bundle for a chart. Never needs a browser for vega-lite; degrades without one otherwise. */
export async function chart_bundle(chart: Chart, opts: BundleOptions = {}): Promise<MimeBundle> {
  const want_static = opts.static ?? true;
  const scale = opts.scale ?? 2;
  const data: MimeBundle = {};
  if (chart.library === "vega-lite") {
    data[VEGA_LITE_MIME] = chart.spec;
    if (want_static) await add_pictures(data, chart, scale);
  } else if (chart.library === "plotly") {
    data[PLOTLY_MIME] = { data: chart.data, layout: chart.layout, config: chart.config ?? {} };
    if (want_static && chromium_path()) {
      data["image/png"] = b64(await to_png(chart, { scale }));
    } else {
      // No browser to rasterise: a self-contained interactive fragment (plotly.js inlined) for HTML frontends.
      const frag = await chart_fragment(chart);
      data["text/html"] = library_scripts(frag.needs) + frag.html;
    }
  } else if (chart.library === "html") {
    data["text/html"] = (await chart_fragment(chart)).html;
    if (want_static && chromium_path()) data["image/png"] = b64(await to_png(chart, { scale }));
    else if (want_static) {
      // No browser: the static vega-lite twin's pictures (the HTML stays the interactive view). A twin too big to
      // draw (e.g. a model view past plot_attention_grid's max_cells) leaves the bundle HTML-only, saying why.
      let twin: VegaLiteChart | undefined;
      try {
        twin = chart.static;
      } catch (e) {
        console.warn(`bertlab: no PNG for '${chart.title ?? "html chart"}' without Chromium: ${(e as Error).message}`);
      }
      if (twin) await add_pictures(data, twin, scale);
    }
  } else {
    throw new Error(`chart_bundle: unknown chart library '${(chart as { library?: unknown }).library}'; expected vega-lite, plotly or html`);
  }
  data["text/plain"] = chart_summary(chart);
  return data;
}
