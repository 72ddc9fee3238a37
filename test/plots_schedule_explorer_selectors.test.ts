// Selectors for reading BERT (issue 25 item 2): layer / head sliders on the attention heatmap, a layer slider on the
// rollout, a target menu on token attributions — vega-lite params evaluated by vega's View (headless here, in
// Chromium in the HTML report); what is drawn equals the selected matrix / scores; PNG / SVG show the default.
import { test } from "node:test";
import assert from "node:assert/strict";
import { plot_attention_explorer, plot_rollout_explorer, plot_attribution_explorer, attention_matrix, type Chart, type Spec } from "../plots";
import { chart_bundle, vega_lite_to_vega, vega_lite_to_svg } from "../plots/render";
import { load_vega } from "../plots/render/esm";
import { with_page } from "../plots/render/browser";
import { notebook_to_html } from "../kernel/html";
import { attention_rollout } from "../src/explain/rollout";
import { skip_unless } from "./helpers/tools";

const spec = (c: Chart): Spec => (c as { spec: Spec }).spec;
const TOKENS = ["[CLS]", "the", "cat", "sat", "[SEP]"];
const n = TOKENS.length;

/** Deterministic attentions [layers][heads][q][k], rows summing to 1. */
function attentions(L: number, H: number): number[][][][] {
  return Array.from({ length: L }, (_, l) => Array.from({ length: H }, (_, h) => Array.from({ length: n }, (_, q) => {
    const raw = Array.from({ length: n }, (_, k) => Math.exp(Math.sin(1 + l * 7 + h * 3 + q * 1.7 + k * 0.9) * 2));
    const s = raw.reduce((a, b) => a + b, 0);
    return raw.map((x) => x / s);
  })));
}

/** The rows drawn: the smallest non-empty dataset holding `field` (the source holds every selection). */
function drawn(view: any, names: string[], field: string): any[] {
  let best: any[] | null = null;
  for (const name of names) {
    const rows = view.data(name);
    if (rows?.length && field in rows[0] && (!best || rows.length < best.length)) best = rows;
  }
  assert.ok(best, `a dataset with ${field}`);
  return best!;
}

async function headless(chart: Chart) {
  const { vega } = await load_vega();
  const compiled = (await vega_lite_to_vega(spec(chart))).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  await view.runAsync();
  return { view, names: (compiled.data as Spec[]).map((d) => d.name as string) };
}

const as_matrix = (rows: any[]) => {
  const m = Array.from({ length: n }, () => new Array(n).fill(NaN));
  for (const r of rows) m[r.query][r.key] = r.weight;
  return m;
};

test("attention explorer: each (layer, head) the sliders pick draws exactly that head's matrix", async () => {
  const att = attentions(3, 4);
  const chart = plot_attention_explorer(att, TOKENS, { layer: 1, head: 2 });
  const s = spec(chart);
  assert.deepEqual(s.params.map((p: Spec) => [p.name, p.value, p.bind.min, p.bind.max]), [["layer", 1, 0, 2], ["head", 2, 0, 3]]);
  const { view, names } = await headless(chart);
  assert.deepEqual(as_matrix(drawn(view, names, "weight")), attention_matrix(att, { layer: 1, head: 2 }));
  for (const [layer, head] of [[0, 0], [2, 3], [1, 0], [0, 3]]) {
    view.signal("layer", layer).signal("head", head);
    await view.runAsync();
    const rows = drawn(view, names, "weight");
    assert.equal(rows.length, n * n);
    assert.deepEqual(as_matrix(rows), attention_matrix(att, { layer, head }), `layer ${layer} head ${head}`);
  }
  view.finalize();
  assert.throws(() => plot_attention_explorer(att, TOKENS, { head: 4 }), /head 4 is out of range 0..3/);
  assert.throws(() => plot_attention_explorer(att, TOKENS, { max_cells: 100 }), /3 layers × 4 heads × 5² tokens = 300 cells exceeds max_cells 100/);
});

test("rollout explorer: the layer slider picks attention_rollout's R_l; attribution explorer: the menu picks a target's scores", async () => {
  const att = attentions(3, 2);
  const r = attention_rollout(att);
  const { view, names } = await headless(plot_rollout_explorer(r, TOKENS));
  assert.deepEqual(as_matrix(drawn(view, names, "weight")), r.layers[2], "the last layer by default");
  view.signal("layer", 0);
  await view.runAsync();
  assert.deepEqual(as_matrix(drawn(view, names, "weight")), r.layers[0]);
  view.finalize();

  const results = [
    { tokens: TOKENS, scores: [0, 0.5, -0.25, 1, 0], target: "POSITIVE" },
    { tokens: TOKENS, scores: [0, -0.5, 0.75, -1, 0.1], target: "NEGATIVE" },
  ];
  const a = await headless(plot_attribution_explorer(results));
  assert.deepEqual(drawn(a.view, a.names, "score").map((d) => d.score), results[0].scores);
  a.view.signal("target", "NEGATIVE");
  await a.view.runAsync();
  const rows = drawn(a.view, a.names, "score");
  assert.deepEqual(rows.map((d) => d.score), results[1].scores);
  assert.deepEqual(rows.map((d) => d.shown), results[1].scores.map((x) => x / 1));
  a.view.finalize();
  assert.throws(() => plot_attribution_explorer([results[0], { ...results[1], tokens: ["a", "b", "c", "d", "e"] }]), /result 1 has other tokens than result 0/);
});

test("selectors: the static SVG shows the default selection", async () => {
  const att = attentions(2, 2);
  const svg = await vega_lite_to_svg(plot_attention_explorer(att, TOKENS, { layer: 1, head: 0 }));
  assert.equal([...svg.matchAll(/aria-roledescription="rect mark"/g)].length, n * n, "one head's cells");
  assert.match(svg, /layer 1, head 0/);
  const m = attention_matrix(att, { layer: 1, head: 0 });
  const shown = Number(/aria-label="key: 2; query: 3; weight: ([\d.e-]+)"/.exec(svg)![1]);
  assert.ok(Math.abs(shown - m[3][2]) < 1e-3, `the cell (3, 2) shows layer 1 head 0's ${m[3][2]}, got ${shown}`);
  assert.ok(Math.abs(shown - attention_matrix(att, { layer: 0, head: 0 })[3][2]) > 1e-3, "not another head's");
  const svg2 = await vega_lite_to_svg(plot_attribution_explorer([{ tokens: TOKENS, scores: [0, 1, 2, 3, 4], method: "a" }, { tokens: TOKENS, scores: [4, 3, 2, 1, 0], method: "b" }], { index: 1 }));
  assert.match(svg2, /target: b/);
  assert.match(svg2, />4\.00</);
});

test("selectors in the HTML report (Chromium): keying the head slider and picking a target redraw the chosen data", { skip: skip_unless("chromium"), timeout: 180_000 }, async () => {
  const att = attentions(2, 3);
  const charts = [plot_attention_explorer(att, TOKENS), plot_attribution_explorer([{ tokens: TOKENS, scores: [0, 1, -1, 0.5, 0], target: "x" }, { tokens: TOKENS, scores: [0.2, -1, 1, 0, 0], target: "y" }])];
  const names = await Promise.all(charts.map(async (c) => ((await vega_lite_to_vega(spec(c))).spec.data as Spec[]).map((d) => d.name as string)));
  const outputs = await Promise.all(charts.map(async (c) => ({ output_type: "display_data", data: await chart_bundle(c), metadata: {} })));
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: "selectors", metadata: {}, execution_count: 1, outputs }] };
  const page = await notebook_to_html(nb as never, { title: "selectors" });
  const got = await with_page("selectors report", page, { width: 1000, height: 1200 }, async (pg: any) => {
    await pg.waitForFunction(() => [...document.querySelectorAll(".bl-plot")].every((e) => e.getAttribute("data-rendered") === "interactive"), null, { timeout: 60_000 });
    const read = (i: number, field: string) => pg.evaluate(([i, names, field]: [number, string[], string]) => {
      const view = (document.querySelectorAll(".bl-interactive")[i] as any).__vega_view;
      let best: any[] | null = null;
      for (const n of names) { const r = view.data(n); if (r?.length && field in r[0] && (!best || r.length < best.length)) best = r; }
      return best!.map((d) => ({ query: d.query, key: d.key, weight: d.weight, score: d.score }));
    }, [i, names[i], field]);
    const head = pg.locator(".bl-plot").nth(0).locator("label", { hasText: "head" }).locator("input[type=range]");
    await head.focus();
    await pg.keyboard.press("ArrowRight");
    await pg.keyboard.press("ArrowRight");
    const after_head = await read(0, "weight");
    await pg.locator(".bl-plot").nth(1).locator("select").selectOption("y");
    const after_target = await read(1, "score");
    return { after_head, after_target };
  });
  assert.deepEqual(as_matrix(got.after_head), attention_matrix(att, { layer: 0, head: 2 }));
  assert.deepEqual(got.after_target.map((d: any) => d.score), [0.2, -1, 1, 0, 0]);
});
