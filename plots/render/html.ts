// Standalone, offline HTML for charts: vega-lite charts as an embedded SVG (always readable) upgraded to an
// interactive vega view when the inlined vega/vega-lite browser builds run; plotly charts with plotly.min.js
// inlined once per page; html charts (head view) as they are. No CDN, no network.
import * as fs from "fs";
import * as path from "path";
import type { Chart } from "../chart";
import { vega_lite_to_svg } from "./vega";

/** The script bundles an HTML page may need for its charts (vega + vega-lite, or plotly). */
export type ScriptLibrary = "vega" | "plotly";

const LIBRARY_FILES: Record<ScriptLibrary, string[]> = {
  vega: ["vega/build/vega.min.js", "vega-lite/build/vega-lite.min.js"],
  plotly: ["plotly.js/dist/plotly.min.js"],
};

const script_cache = new Map<string, string>();

function read_library(rel: string): string {
  let src = script_cache.get(rel);
  if (src === undefined) {
    // Not require.resolve: vega's package `exports` hide its build/ folder from it.
    const file = (require.resolve.paths(rel) ?? []).map((dir) => path.join(dir, rel)).find((f) => fs.existsSync(f));
    if (!file) throw new Error(`to_html: cannot find ${rel} in node_modules (needed to inline the ${rel.split("/")[0]} browser build)`);
    src = fs.readFileSync(file, "utf8").replace(/<\/script/gi, "<\\/script");
    script_cache.set(rel, src);
  }
  return src;
}

/** `<script>` tags with the libraries inlined; include each library once per page. */
export function library_scripts(libs: Iterable<ScriptLibrary>): string {
  const seen = new Set<ScriptLibrary>(libs);
  return [...seen].flatMap((lib) => LIBRARY_FILES[lib].map((rel) => `<script>/* ${rel} */\n${read_library(rel)}\n</script>`)).join("\n");
}

/** JSON safe to place inside a <script> element. */
export function script_json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * Escapes `& < > "` for HTML text and double-quoted attributes.
 * @example
 * ```ts
 * escape_html("<b>") // "&lt;b&gt;"
 * ```
 */
export function escape_html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

let counter = 0;
export function unique_id(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Options of chart_fragment: whether vega-lite charts get a live view, and a pre-rendered SVG. */
export interface FragmentOptions {
  /** vega-lite: also add the live vega view (needs `library_scripts(["vega"])` on the page). Default true. */
  interactive?: boolean;
  /** A pre-rendered SVG for a vega-lite chart (skips rendering it again). */
  svg?: string;
}

/** One chart as HTML (chart_fragment): the markup and the script libraries the page must include for it. */
export interface Fragment { html: string; needs: ScriptLibrary[] }

/** One chart as an HTML fragment, plus the libraries the page must include (once) for it. */
export async function chart_fragment(chart: Chart, opts: FragmentOptions = {}): Promise<Fragment> {
  if (chart.library === "vega-lite") {
    const id = unique_id("bertlab-vl");
    const svg = opts.svg ?? (await vega_lite_to_svg(chart));
    const interactive = opts.interactive ?? true;
    const script = interactive
      ? `<script>(function(){var el=document.getElementById(${script_json(id)});var spec=${script_json(chart.spec)};`
        + `if(!window.vega||!window.vegaLite)return;try{var rt=vega.parse(vegaLite.compile(spec).spec);el.innerHTML="";`
        + `el.__vega_view=new vega.View(rt,{renderer:"svg",container:el,hover:true});el.__vega_view.runAsync();}catch(e){console.error("bertlab: vega view failed",e);}})();</script>`
      : "";
    return { html: `<div class="bertlab-chart bertlab-vega-lite" id="${id}">${svg}</div>${script}`, needs: interactive ? ["vega"] : [] };
  }
  if (chart.library === "plotly") {
    const id = unique_id("bertlab-plotly");
    const w = chart.layout.width, h = chart.layout.height;
    const style = `${w ? `width:${w}px;` : ""}${h ? `height:${h}px;` : "min-height:360px;"}`;
    return {
      html: `<div class="bertlab-chart bertlab-plotly" id="${id}" style="${style}"></div>`
        + `<script>Plotly.newPlot(${script_json(id)},${script_json(chart.data)},${script_json(chart.layout)},${script_json(chart.config ?? {})});</script>`,
      needs: ["plotly"],
    };
  }
  if (chart.library === "html") return { html: `<div class="bertlab-chart bertlab-html">${chart.html}</div>`, needs: [] };
  throw new Error(`chart_fragment: unknown chart library '${(chart as { library?: unknown }).library}'; expected vega-lite, plotly or html`);
}

/** Options of to_html (a standalone HTML page of charts): the fragment options plus the page title. */
export interface HtmlOptions extends FragmentOptions {
  /** Page title (default: the first chart's title). */
  title?: string;
}

/** A complete standalone HTML page with one or more charts; opens offline in any browser. */
export async function to_html(charts: Chart | Chart[], opts: HtmlOptions = {}): Promise<string> {
  const list = Array.isArray(charts) ? charts : [charts];
  if (list.length === 0) throw new Error("to_html: expected at least one chart");
  const frags: Fragment[] = [];
  for (const c of list) frags.push(await chart_fragment(c, { interactive: opts.interactive, svg: list.length === 1 ? opts.svg : undefined }));
  const title = opts.title ?? list.find((c) => c.title)?.title ?? "bertlab chart";
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escape_html(title)}</title>`
    + `<style>body{font-family:sans-serif;margin:16px}.bertlab-chart{margin:12px 0}</style>\n`
    + `${library_scripts(frags.flatMap((f) => f.needs))}\n</head><body>\n${frags.map((f) => f.html).join("\n")}\n</body></html>\n`;
}
