// vega-lite → vega → SVG in Node, headless (`renderer: "none"`), no DOM and no browser.
import type { Spec, VegaLiteChart } from "../chart";
import { load_vega } from "./esm";

export interface VegaLiteCompileWarning { level: string; message: string }

/** Compiles a vega-lite spec to a vega spec; vega-lite's warnings are collected, not printed. */
export async function vega_lite_to_vega(spec: Spec): Promise<{ spec: Spec; warnings: VegaLiteCompileWarning[] }> {
  const { vl } = await load_vega();
  const warnings: VegaLiteCompileWarning[] = [];
  const push = (level: string) => (...args: unknown[]) => { warnings.push({ level, message: args.map(String).join(" ") }); };
  const logger = { level: () => logger, error: push("error"), warn: push("warn"), info: push("info"), debug: push("debug") };
  return { spec: vl.compile(spec, { logger }).spec, warnings };
}

/** Renders a vega-lite chart (or bare spec) to an SVG string. `scale` multiplies width/height. */
export async function vega_lite_to_svg(chart: VegaLiteChart | Spec, opts: { scale?: number } = {}): Promise<string> {
  const spec = (chart as VegaLiteChart).library === "vega-lite" ? (chart as VegaLiteChart).spec : (chart as Spec);
  const { vega } = await load_vega();
  const compiled = await vega_lite_to_vega(spec);
  const view = new vega.View(vega.parse(compiled.spec), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG(opts.scale ?? 1);
  } finally {
    view.finalize();
  }
}
