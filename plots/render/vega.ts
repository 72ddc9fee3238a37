// vega-lite → vega → SVG in Node, headless (`renderer: "none"`), no DOM and no browser.
import type { Spec, VegaLiteChart } from "../chart";
import { load_vega } from "./esm";
import { uniquify_svg_ids, with_font_fallbacks } from "./svg_text";

/** Width (px) of a `width: "container"` chart in static renderings (SVG, PNG): a notebook cell's width. */
export const STATIC_WIDTH = 640;

/**
 * The spec for a static rendering: `width: "container"` (responsive in a frontend) becomes STATIC_WIDTH,
 * as there is no container here; nested specs (facets, layers, concatenations) too. The input is not changed.
 */
export function static_spec(spec: Spec, width = STATIC_WIDTH): Spec {
  const walk = (s: unknown, top: boolean): unknown => {
    if (Array.isArray(s)) return s.map((x) => walk(x, false));
    if (typeof s !== "object" || s === null) return s;
    const out: Spec = {};
    for (const [k, v] of Object.entries(s as Spec)) {
      if (k === "data" || k === "datasets") out[k] = v;
      else if (k === "width" && v === "container") out[k] = width;
      else if (k === "autosize" && top) out[k] = v;
      else out[k] = walk(v, false);
    }
    return out;
  };
  return walk(spec, true) as Spec;
}

/** A warning vega-lite gave while compiling a spec (vega_lite_to_vega collects them). */
export interface VegaLiteCompileWarning { level: string; message: string }

/** Compiles a vega-lite spec to a vega spec; vega-lite's warnings are collected, not printed. */
export async function vega_lite_to_vega(spec: Spec): Promise<{ spec: Spec; warnings: VegaLiteCompileWarning[] }> {
  const { vl } = await load_vega();
  const warnings: VegaLiteCompileWarning[] = [];
  const push = (level: string) => (...args: unknown[]) => { warnings.push({ level, message: args.map(String).join(" ") }); };
  const logger = { level: () => logger, error: push("error"), warn: push("warn"), info: push("info"), debug: push("debug") };
  return { spec: vl.compile(spec, { logger }).spec, warnings };
}

/**
 * Renders a vega-lite chart (or bare spec) to an SVG string. `scale` multiplies width/height. Ids are unique
 * to this rendering (several SVGs can share a page) and text falls back to CJK and emoji fonts.
 */
export async function vega_lite_to_svg(chart: VegaLiteChart | Spec, opts: { scale?: number } = {}): Promise<string> {
  const spec = (chart as VegaLiteChart).library === "vega-lite" ? (chart as VegaLiteChart).spec : (chart as Spec);
  const { vega } = await load_vega();
  const compiled = await vega_lite_to_vega(static_spec(spec));
  const view = new vega.View(vega.parse(compiled.spec), { renderer: "none", logLevel: vega.Error });
  try {
    return with_font_fallbacks(uniquify_svg_ids(await view.toSVG(opts.scale ?? 1)));
  } finally {
    view.finalize();
  }
}
