// The display layer without a kernel: MIME bundles per chart library, `show` in plain Node (files + a line),
// and the live chart's throttling. (Inside tslab it is exercised by kernel_runner.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chart_bundle, chart_summary, VEGA_LITE_MIME, PLOTLY_MIME } from "../kernel/bundle";
import { display_bundle, in_kernel, live, show } from "../kernel/display";
import { vega_lite, plotly } from "../plots/chart";
import type { Chart } from "../plots/chart";
import { count_ink, decode_png } from "../plots/render";

const bars = vega_lite(
  {
    mark: "bar",
    data: { values: [{ label: "not paraphrase", p: 0.1 }, { label: "is paraphrase", p: 0.9 }] },
    encoding: { x: { field: "label", type: "nominal" }, y: { field: "p", type: "quantitative" } },
  },
  "paraphrase",
);

function capture_log<T>(f: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  return f().then(
    (value) => ((console.log = orig), { value, lines }),
    (e) => {
      console.log = orig;
      throw e;
    },
  );
}

test("vega-lite bundle: the spec, an SVG with the title, a PNG with ink, text/plain", async () => {
  const b = await chart_bundle(bars);
  assert.deepEqual(Object.keys(b), [VEGA_LITE_MIME, "image/svg+xml", "image/png", "text/plain"]);
  assert.equal(b[VEGA_LITE_MIME], bars.spec);
  assert.match(b["image/svg+xml"] as string, /<svg[\s\S]*paraphrase/);
  const png = decode_png(Buffer.from(b["image/png"] as string, "base64"));
  assert.ok(count_ink(png) > 500);
  assert.equal(b["text/plain"], "<VegaLite chart: paraphrase>");
  const bare = await chart_bundle(bars, { static: false });
  assert.deepEqual(Object.keys(bare), [VEGA_LITE_MIME, "text/plain"]);
});

test("plotly bundle without a rasteriser: plotly JSON + self-contained text/html + text/plain", async () => {
  const chart = plotly([{ type: "bar", x: ["a", "b"], y: [1, 2] }], {}, "two bars");
  const b = await chart_bundle(chart, { static: false });
  assert.deepEqual(Object.keys(b), [PLOTLY_MIME, "text/html", "text/plain"]);
  assert.deepEqual((b[PLOTLY_MIME] as { data: unknown[] }).data, chart.data);
  assert.match(b["text/html"] as string, /Plotly\.newPlot/);
  assert.ok((b["text/html"] as string).length > 1e6, "plotly.js is inlined (offline)");
  assert.equal(b["text/plain"], "<Plotly chart: two bars>");
});

test("html chart bundle is text/html; unknown libraries are rejected by name", async () => {
  const b = await chart_bundle({ library: "html", html: "<b>head view</b>", title: "heads" }, { static: false });
  assert.match(b["text/html"] as string, /<b>head view<\/b>/);
  assert.equal(chart_summary({ library: "html", html: "", title: "heads" }), "<Html chart: heads>");
  await assert.rejects(chart_bundle({ library: "bokeh" } as unknown as Chart), /unknown chart library 'bokeh'/);
});

test("outside a kernel, show() writes the chart files and prints where they are", async () => {
  assert.equal(in_kernel(), false);
  assert.equal(display_bundle({ "text/plain": "x" }), false);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-show-"));
  const { lines } = await capture_log(() => show(bars, { out_dir: dir }));
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 3, files.join(", "));
  assert.ok(files.some((f) => /-paraphrase\.html$/.test(f)) && files.some((f) => f.endsWith(".svg")) && files.some((f) => f.endsWith(".png")));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^<VegaLite chart: paraphrase> → .*paraphrase\.html, .*\.svg, .*\.png$/);
  assert.match(fs.readFileSync(path.join(dir, files.find((f) => f.endsWith(".html"))!), "utf8"), /<svg/);
  await assert.rejects(show({ spec: {} } as unknown as Chart), /show: argument is not a chart/);
});

test("live(): an HF-callback-shaped object; throttled redraws, on_train_end draws the last state", async () => {
  const drawn: number[] = [];
  const cb = live((h) => {
    drawn.push(h.length);
    return vega_lite({ mark: "line", data: { values: h }, encoding: {} }, `n=${h.length}`);
  }, { every_ms: 60000, static: false });
  const state = { log_history: [] as Array<{ step: number; loss: number }> };
  const { lines } = await capture_log(async () => {
    for (let step = 1; step <= 4; step++) {
      state.log_history.push({ step, loss: 1 / step });
      assert.equal(cb.on_log({}, state, {}, { logs: { step, loss: 1 / step } }), undefined, "hooks return nothing");
    }
    cb.on_train_end({}, state);
    await cb.flush();
  });
  assert.deepEqual(drawn, [1, 4], "first log drawn at once, the rest throttled until on_train_end");
  assert.deepEqual(lines, ["<VegaLite chart: n=1> (live; not in a notebook, 1 log entries)"]);
  assert.equal(cb.error, null);
  assert.throws(() => live(42 as unknown as () => Chart), /live: expected a chart builder function/);
});

test("live(): a throttled update is drawn when the interval ends; HF-style logs without state accumulate", async () => {
  const drawn: number[] = [];
  const cb = live((h) => (drawn.push(h.length), vega_lite({ mark: "point", data: { values: h }, encoding: {} })), { every_ms: 50, static: false });
  await capture_log(async () => {
    cb.on_log({}, undefined, {}, { loss: 1 });
    cb.on_log({}, undefined, {}, { loss: 0.5 });
    await new Promise((res) => setTimeout(res, 150));
    await cb.flush();
  });
  assert.deepEqual(drawn, [1, 2]);
  assert.deepEqual(cb.log_history, [{ loss: 1 }, { loss: 0.5 }]);
});

test("live() without a builder draws HF training curves (plot_training) from log_history", async () => {
  const cb = live(undefined, { static: false });
  const { lines } = await capture_log(async () => {
    cb.on_train_end({}, { log_history: [{ step: 1, loss: 2, learning_rate: 1e-5 }, { step: 2, loss: 1, learning_rate: 2e-5 }] });
    await cb.flush();
  });
  assert.equal(cb.error, null);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^<VegaLite chart/);
});

test("plotly bundle when Chromium is missing: no PNG, the interactive HTML instead (no error)", async () => {
  const saved = process.env.BERTLAB_CHROMIUM;
  process.env.BERTLAB_CHROMIUM = path.join(os.tmpdir(), "no-such-chromium");
  try {
    const b = await chart_bundle(plotly([{ type: "bar", x: ["a"], y: [1] }], {}, "one bar"));
    assert.deepEqual(Object.keys(b), [PLOTLY_MIME, "text/html", "text/plain"]);
  } finally {
    if (saved === undefined) delete process.env.BERTLAB_CHROMIUM;
    else process.env.BERTLAB_CHROMIUM = saved;
  }
});

test("importing bertlab in plain Node loads no tslab module and prints tensors torch-style", () => {
  const dist = path.join(__dirname, "..", "dist", "src", "index.js");
  assert.ok(fs.existsSync(dist), `${dist} is missing: run \`npm run build\` first`);
  const script = `const bl = require(${JSON.stringify(dist)});
bl.ready().then(() => {
  console.log(Object.keys(require.cache).filter((k) => /[\\\\/]tslab[\\\\/]/.test(k)).length);
  console.log(bl.tf.tensor1d([0.5, -2]));
});`;
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "0\ntensor([ 0.5000, -2.0000])\n");
});
