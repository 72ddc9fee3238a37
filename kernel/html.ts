// Standalone HTML report of an executed notebook, fully offline: markdown rendered, code cells, text outputs,
// images and SVG, and interactive vega-lite / plotly / html outputs. The vega, vega-lite and plotly browser builds
// are inlined from node_modules once per page, only when an output needs them; each interactive plot keeps its
// static SVG/PNG from the same bundle as a fallback in case the script cannot run.
import * as fs from "fs";
import * as path from "path";
import MarkdownIt from "markdown-it";
import type { HLJSApi } from "highlight.js";
import { escape_html, library_scripts, script_json, uniquify_svg_ids } from "../plots/render";
import { Cell, MimeBundle, Notebook, Output, joined, source_text } from "./notebook";

export const VEGA_LITE_MIMES = [
  "application/vnd.vegalite.v6+json",
  "application/vnd.vegalite.v5+json",
  "application/vnd.vegalite.v4+json",
];
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export type HtmlOptions = {
  title?: string;
  /** A run that failed: shown as a banner at the top (e.g. the runner's failure message). */
  failure?: string;
};

const md = new MarkdownIt({ html: true, linkify: false, typographer: false });

let hljs: HLJSApi | null = null;

/** Code cells highlighted as TypeScript with highlight.js (its core + one language, loaded on first use). */
function highlight(code: string): string {
  if (!hljs) {
    hljs = require("highlight.js/lib/core") as HLJSApi;
    hljs.registerLanguage("typescript", require("highlight.js/lib/languages/typescript"));
  }
  return hljs.highlight(code, { language: "typescript", ignoreIllegals: true }).value;
}

/** highlight.js's GitHub theme, read from node_modules (empty if not found: code stays readable unstyled). */
function highlight_css(): string {
  for (const dir of require.resolve.paths("highlight.js") ?? []) {
    const file = path.join(dir, "highlight.js", "styles", "github.min.css");
    if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  }
  return "";
}

function strip_ansi(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

type Libraries = { vega: boolean; plotly: boolean };

function static_image(data: MimeBundle, id: string): string {
  // Ids prefixed per output: vega numbers gradients and clip paths from 0 in each kernel (and in the page's
  // own interactive views), so two SVGs would share `id="gradient_0"` and paint each other's legends blank.
  if (data["image/svg+xml"] !== undefined) return uniquify_svg_ids(joined(data["image/svg+xml"]), id);
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined) {
      return `<img alt="plot" src="data:${mime};base64,${joined(data[mime]).replace(/\s+/g, "")}">`;
    }
  }
  return "";
}

let plot_ids = 0;

function rich_output(data: MimeBundle, libs: Libraries): string {
  const vl_mime = VEGA_LITE_MIMES.find((m) => data[m] !== undefined);
  if (vl_mime) {
    libs.vega = true;
    const id = `bl-plot-${++plot_ids}`;
    return `<div class="bl-plot" data-library="vega-lite" id="${id}"><div class="bl-static">${static_image(data, id)}</div>` +
      `<script type="application/json" class="bl-spec">${script_json(data[vl_mime])}</script></div>`;
  }
  if (data[PLOTLY_MIME] !== undefined) {
    libs.plotly = true;
    const id = `bl-plot-${++plot_ids}`;
    return `<div class="bl-plot" data-library="plotly" id="${id}"><div class="bl-static">${static_image(data, id)}</div>` +
      `<script type="application/json" class="bl-spec">${script_json(data[PLOTLY_MIME])}</script></div>`;
  }
  if (data["text/html"] !== undefined) return `<div class="bl-html">${joined(data["text/html"])}</div>`;
  const img = static_image(data, `bl-img-${++plot_ids}`);
  if (img) return `<div class="bl-image">${img}</div>`;
  if (data["text/markdown"] !== undefined) return `<div class="markdown">${md.render(joined(data["text/markdown"]))}</div>`;
  if (data["application/json"] !== undefined) {
    return `<pre class="output">${escape_html(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  }
  if (data["text/plain"] !== undefined) return `<pre class="output">${escape_html(strip_ansi(joined(data["text/plain"])))}</pre>`;
  return "";
}

function output_html(out: Output, libs: Libraries): string {
  switch (out.output_type) {
    case "stream":
      return `<pre class="output stream ${out.name}">${escape_html(strip_ansi(joined(out.text)))}</pre>`;
    case "error": {
      // a traceback carries its own head line (as ipykernel's and bertlab's kernel's do); else ename: evalue
      const text = out.traceback.length ? strip_ansi(out.traceback.join("\n")) : `${out.ename}: ${out.evalue}`;
      return `<pre class="output error">${escape_html(text)}</pre>`;
    }
    case "display_data":
    case "execute_result":
      return rich_output(out.data, libs);
  }
}

function markdown_html(cell: Cell): string {
  let src = source_text(cell);
  const attachments = cell.cell_type !== "code" ? cell.attachments ?? {} : {};
  // `![x](attachment:image.png)` → data URI from the cell's attachments.
  src = src.replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
    const bundle = attachments[name];
    const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
    return mime ? `data:${mime};base64,${joined(bundle[mime]).replace(/\s+/g, "")}` : whole;
  });
  return md.render(src);
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
.cell { margin: 0.8em 0; }
.code .input { display: flex; }
.prompt { flex: 0 0 5.5em; color: #307fc1; font-family: monospace; font-size: 0.85em; padding-top: 0.6em; }
.outputs .prompt { color: #bf5b3d; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-size: 0.85em; }
.input pre { flex: 1; background: #f7f7f7; border: 1px solid #e0e0e0; border-radius: 3px; padding: 0.5em; }
.input pre code.hljs { background: none; padding: 0; }
.outputs { margin-left: 5.5em; }
.output { padding: 0.3em 0.5em; }
.stream.stderr { background: #fdd; }
.error { background: #fdd; color: #a00; }
.bl-failure { background: #fdd; border: 1px solid #e99; border-radius: 3px; padding: 0.6em; color: #a00; margin-bottom: 1em; }
.bl-plot, .bl-image, .bl-html { margin: 0.4em 0; overflow-x: auto; }
.bl-plot .bl-static img, .bl-image img { max-width: 100%; }
`;

const PAGE_SCRIPT = `
(function () {
  document.querySelectorAll(".bl-plot").forEach(function (el) {
    var spec = JSON.parse(el.querySelector(".bl-spec").textContent);
    var target = document.createElement("div");
    target.className = "bl-interactive";
    el.appendChild(target);
    var done = function () { var s = el.querySelector(".bl-static"); if (s) s.style.display = "none"; el.setAttribute("data-rendered", "interactive"); };
    var fail = function (e) { target.remove(); el.setAttribute("data-rendered", "static"); el.setAttribute("data-error", String(e)); };
    try {
      if (el.dataset.library === "vega-lite" && window.vega && window.vegaLite) {
        var view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "svg", container: target, hover: true });
        target.__vega_view = view; // for scripts and tests that read or drive the live view (sliders, hover)
        view.runAsync().then(done, fail);
      } else if (el.dataset.library === "plotly" && window.Plotly) {
        Plotly.newPlot(target, spec.data || [], spec.layout || {}, spec.config || {}).then(done, fail);
      } else {
        fail("library not loaded");
      }
    } catch (e) { fail(e); }
  });
})();
`;

/** Renders the whole notebook as one self-contained HTML page. */
export async function notebook_to_html(nb: Notebook, opts: HtmlOptions = {}): Promise<string> {
  const libs: Libraries = { vega: false, plotly: false };
  const body: string[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type === "markdown") {
      body.push(`<div class="cell markdown">${markdown_html(cell)}</div>`);
    } else if (cell.cell_type === "raw") {
      body.push(`<div class="cell raw"><pre>${escape_html(source_text(cell))}</pre></div>`);
    } else if (cell.cell_type === "code") {
      const n = cell.execution_count ?? " ";
      const outs = cell.outputs.map((o) => output_html(o, libs)).filter(Boolean).join("\n");
      body.push(
        `<div class="cell code"><div class="input"><div class="prompt">In [${n}]:</div>` +
          `<pre><code class="hljs language-typescript">${highlight(source_text(cell))}</code></pre></div>` +
          (outs ? `<div class="outputs">${outs}</div>` : "") +
          `</div>`,
      );
    }
  }
  const scripts: string[] = [];
  const needs: Array<"vega" | "plotly"> = [];
  if (libs.vega) needs.push("vega");
  if (libs.plotly) needs.push("plotly");
  if (needs.length) scripts.push(library_scripts(needs), `<script>${PAGE_SCRIPT}</script>`);
  const title = escape_html(opts.title ?? "notebook");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="bertlab">
<title>${title}</title>
<style>${CSS}${highlight_css()}</style>
</head>
<body>
${opts.failure ? `<div class="bl-failure"><strong>Execution failed</strong><pre>${escape_html(opts.failure)}</pre></div>\n` : ""}${body.join("\n")}
${scripts.join("\n")}
</body>
</html>
`;
}
