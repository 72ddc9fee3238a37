// The one value every plot builder returns: a chart description, not pixels.
// Renderers (plots/render) turn it into SVG / PNG / HTML; the kernel displays it.
// Every chart also answers Deno's `[Symbol.for("Jupyter.display")]()` (non-enumerable) with the bundle `show`
// sends, so a chart that is a cell's last value draws in bertlab's kernel and in Deno's.
// Specs are typed loosely on purpose: vega-lite's own types resolve only through package `exports`,
// which tslab's TypeScript 5.0 (node10 resolution) cannot see, so they stay out of our .d.ts.
import { set_display } from "../src/utils/displayable";
import { chart_bundle } from "./render/bundle";

/** A JSON-able spec object (vega-lite spec, plotly trace/layout). */
export type Spec = { [key: string]: any };

/** A chart as a vega-lite spec (`spec`), with its title. */
export interface VegaLiteChart {
  library: "vega-lite";
  /** A complete vega-lite spec (v5-compatible, compiled by vega-lite 6) with inline data (`data.values`). */
  spec: Spec;
  title?: string;
}

/** A chart as a plotly figure (`data`, `layout`, `config`). */
export interface PlotlyChart {
  library: "plotly";
  data: Spec[];
  layout: Spec;
  config?: Spec;
  title?: string;
}

/** A chart as a self-contained HTML fragment (bertviz's views), with a static vega-lite twin for PNG / SVG. */
export interface HtmlChart {
  library: "html";
  /** A self-contained fragment (inline CSS/JS, no network); ids are unique per chart instance. */
  html: string;
  title?: string;
  /** Size hints for screenshots (px). */
  width?: number;
  height?: number;
  /** A vega-lite twin drawn in Node: the chart's PNG / SVG where no Chromium can screenshot the HTML. */
  static?: VegaLiteChart;
}

/** A bertlab chart: a vega-lite spec, a plotly figure or offline HTML; a cell's value or show() displays it, to_svg / to_png / to_html render it. */
export type Chart = VegaLiteChart | PlotlyChart | HtmlChart;

/** Gives a chart its Jupyter.display method (the MIME bundle `show` sends: spec + PNG + SVG + text). */
export function displayable<C extends Chart>(chart: C): C {
  return set_display(chart, function (this: C) {
    return chart_bundle(this);
  });
}

/**
 * Attaches an html chart's static vega-lite twin, built on first use (a non-enumerable lazy getter: the twin
 * costs nothing until a bundle needs a PNG without Chromium, and stays out of JSON).
 */
export function with_static<C extends HtmlChart>(chart: C, build: () => Chart): C {
  let made: VegaLiteChart | undefined;
  Object.defineProperty(chart, "static", {
    enumerable: false,
    configurable: true,
    get() {
      if (made) return made;
      const c = build();
      if (c.library !== "vega-lite") throw new Error(`with_static: the static twin of '${chart.title ?? "an html chart"}' must be a vega-lite chart, got '${c.library}'`);
      return (made = c);
    },
  });
  return chart;
}

/** The chart libraries a Chart can use: vega-lite (default for most plots) or plotly. */
export type Library = "vega-lite" | "plotly";

// Specs use only features common to vega-lite 5 and 6: rendered here by vega-lite 6, and in Jupyter by the
// frontends' built-in vega-lite 5 renderer (MIME application/vnd.vegalite.v5+json), which warns on a v6 $schema.
/**
 * The `$schema` of every vega-lite spec bertlab writes (v5: what Jupyter frontends render; vega-lite 6 renders it here).
 */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Wraps a vega-lite spec (adds `$schema`, and the title when the spec has none). */
export function vega_lite(spec: Spec, title?: string): VegaLiteChart {
  const full: Spec = { $schema: VEGA_LITE_SCHEMA, ...spec };
  if (title !== undefined && full.title === undefined) full.title = title;
  return displayable({ library: "vega-lite", spec: full, title });
}

/**
 * Wraps plotly traces and a layout as a displayable chart (Python: `plotly.graph_objects.Figure(data, layout)`).
 * @example
 * ```ts
 * await show(plotly([{ type: "bar", x: ["a", "b"], y: [1, 2] }], {}, "bars"))
 * ```
 */
export function plotly(data: Spec[], layout: Spec, title?: string, config?: Spec): PlotlyChart {
  const lay: Spec = { ...layout };
  if (title !== undefined && lay.title === undefined) lay.title = { text: title };
  return displayable({ library: "plotly", data, layout: lay, config: { displaylogo: false, responsive: true, ...config }, title });
}

/**
 * Whether `x` is a bertlab chart (vega-lite spec, plotly figure or offline HTML) — what show() and a cell's value display.
 * @example
 * ```ts
 * is_chart(plot_attention(att, tokens)) // true
 * ```
 */
export function is_chart(x: unknown): x is Chart {
  if (typeof x !== "object" || x === null) return false;
  const c = x as Partial<Chart> & Spec;
  return (c.library === "vega-lite" && typeof c.spec === "object")
    || (c.library === "plotly" && Array.isArray(c.data) && typeof c.layout === "object")
    || (c.library === "html" && typeof c.html === "string");
}
