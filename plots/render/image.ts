// Chart → SVG / PNG bytes: vega-lite in Node (vega → SVG → resvg); plotly and html charts through headless Chromium.
import type { Chart, PlotlyChart, HtmlChart } from "../chart";
import { vega_lite_to_svg } from "./vega";
import { svg_to_png, PngOptions } from "./png";
import { with_page } from "./browser";
import { chart_fragment, library_scripts } from "./html";

function chart_size(chart: PlotlyChart | HtmlChart): { width: number; height: number } {
  if (chart.library === "plotly") return { width: chart.layout.width ?? 700, height: chart.layout.height ?? 450 };
  return { width: chart.width ?? 900, height: chart.height ?? 600 };
}

async function page_for(chart: PlotlyChart | HtmlChart): Promise<string> {
  const frag = await chart_fragment(chart);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0;background:white;font-family:sans-serif}.bertlab-chart{display:inline-block}</style>`
    + `${library_scripts(frag.needs)}</head><body>${frag.html}</body></html>`;
}

/** Renders a plotly chart in Chromium with Plotly.toImage; returns the image bytes. */
async function plotly_image(chart: PlotlyChart, format: "svg" | "png", scale: number): Promise<Buffer> {
  const size = chart_size(chart);
  const url: string = await with_page(`Rendering a plotly chart to ${format.toUpperCase()}`, await page_for(chart), size, (page) =>
    page.evaluate(([fmt, w, h, s]: [string, number, number, number]) => {
      const gd = document.querySelector(".bertlab-plotly");
      return (window as any).Plotly.toImage(gd, { format: fmt, width: w, height: h, scale: s });
    }, [format, size.width, size.height, scale]));
  // A data: URL, base64 (png) or percent-encoded (svg).
  const comma = url.indexOf(",");
  const body = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(";base64") ? Buffer.from(body, "base64") : Buffer.from(decodeURIComponent(body), "utf8");
}

/** SVG text of a chart. vega-lite: in Node. plotly: through headless Chromium. html charts have no SVG form. */
export async function to_svg(chart: Chart, opts: { scale?: number } = {}): Promise<string> {
  if (chart.library === "vega-lite") return vega_lite_to_svg(chart, opts);
  if (chart.library === "plotly") return (await plotly_image(chart, "svg", 1)).toString("utf8");
  throw new Error(`to_svg: a '${chart.library}' chart has no SVG form; use to_html, or to_png (needs Chromium)`);
}

/** PNG bytes of a chart. vega-lite: SVG → resvg, in Node. plotly and html: a Chromium screenshot. */
export async function to_png(chart: Chart, opts: PngOptions = {}): Promise<Uint8Array> {
  const scale = opts.scale ?? 2;
  if (chart.library === "vega-lite") return svg_to_png(await vega_lite_to_svg(chart), { ...opts, scale });
  if (chart.library === "plotly") return new Uint8Array(await plotly_image(chart, "png", scale));
  if (chart.library === "html") {
    return with_page("Rendering an html chart to PNG", await page_for(chart), { ...chart_size(chart), scale }, async (page) => {
      await page.waitForTimeout(100);
      const el = await page.$(".bertlab-chart");
      return new Uint8Array(await el.screenshot({ type: "png" }));
    });
  }
  throw new Error(`to_png: unknown chart library '${(chart as { library?: unknown }).library}'`);
}
