// Plots a person would publish (issue #11 item 3): the schedule's x axis ends at num_training_steps, coinciding
// curves stay distinguishable with a legend that matches, readable ticks, unique SVG ids, cell-wide charts, labels
// never cut; and, in Chromium, every heatmap's colour legend paints when two share one HTML report.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DASHES, plot_schedules, plot_lr_schedules, plot_lr_history, plot_class_probabilities, plot_token_classification, plot_training, step_ticks,
} from "../plots";
import { chart_bundle, chromium_path, decode_png, STATIC_WIDTH, uniquify_svg_ids, vega_lite_to_svg, vega_lite_to_vega } from "../plots/render";
import { with_page } from "../plots/render/browser";
import { notebook_to_html } from "../kernel/html";
import type { Chart, Spec } from "../plots";

const spec = (c: Chart): Spec => (c as { spec: Spec }).spec;
/** A linear-decay stand-in for lr_lambda, and one that coincides with it (like polynomial with power 1). */
const lr_lambda = (name: string) => (s: number) => (name === "constant" ? 1 : Math.max(0, 1 - s / 1000));

/** The text of every label of the axis whose group has `aria-label` starting with `which` ("X-axis" / "Y-axis"). */
function axis_labels(svg: string, which: "X" | "Y"): { x: number; y: number; text: string }[] {
  const start = svg.indexOf(`aria-label="${which}-axis`);
  assert.ok(start >= 0, `no ${which} axis in the SVG`);
  const group = svg.slice(start, svg.indexOf("role-axis-title", start) > 0 ? svg.indexOf("role-axis-title", start) : undefined);
  return [...group.matchAll(/<text[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3] }));
}

test("schedules: the x axis is exactly [0, num_training_steps] and no point lies past it", async () => {
  const s = spec(plot_schedules(["linear", "polynomial"], { lr_lambda, num_warmup_steps: 100, num_training_steps: 1000 }));
  const line = s.layer.find((l: Spec) => l.mark?.type === "line");
  assert.deepEqual(line.encoding.x.scale.domain, [0, 1000]);
  assert.equal(line.encoding.x.scale.nice, false);
  assert.equal(Math.max(...line.data.values.map((d: Spec) => d.step)), 1000);
  const compiled = (await vega_lite_to_vega(s)).spec;
  const x = compiled.scales.find((sc: Spec) => sc.name === "x");
  assert.deepEqual([x.domain, x.nice, x.zero], [[0, 1000], false, false]);
  const labels = axis_labels(await vega_lite_to_svg(s), "X").map((l) => l.text);
  assert.equal(labels[0], "0");
  assert.equal(labels[labels.length - 1], "1000", `the last tick is the end of training: ${labels.join(" ")}`);
  assert.deepEqual(step_ticks(0, 1000), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(step_ticks(0, 75), [0, 10, 20, 30, 40, 50, 60, 70, 75]);
  // `steps` still plots further on request, and the axis follows it.
  const longer = spec(plot_schedules("linear", { lr_lambda, num_training_steps: 1000, steps: 1200 }));
  assert.deepEqual(longer.layer.find((l: Spec) => l.mark?.type === "line").encoding.x.scale.domain, [0, 1200]);
});

test("schedules: coinciding curves get distinct dash patterns in one merged legend (legend = what is drawn)", async () => {
  const series = ["a", "b", "c", "d", "e", "f"].map((name, i) => ({ name, values: i < 4 ? [0, 1, 0.5, 0] : [1, 1, 1, 1] }));
  const s = spec(plot_lr_schedules(series));
  const enc = s.layer.find((l: Spec) => l.mark?.type === "line").encoding;
  assert.equal(enc.strokeDash.field, "schedule");
  assert.deepEqual(enc.strokeDash.scale.domain, ["a", "b", "c", "d", "e", "f"]);
  const dashes = enc.strokeDash.scale.range.map((d: number[]) => d.join(","));
  assert.equal(new Set(dashes).size, 6, "every series has its own dash pattern");
  assert.deepEqual(enc.strokeDash.scale.range[0], DASHES[0]);
  const compiled = (await vega_lite_to_vega(s)).spec;
  assert.equal(compiled.legends.length, 1, "colour and dash share one legend");
  assert.ok(compiled.legends[0].stroke && compiled.legends[0].strokeDash, "its symbols show both colour and dash");
  const svg = await vega_lite_to_svg(s);
  const drawn = [...svg.matchAll(/stroke-dasharray="([^"]+)"/g)].map((m) => m[1]);
  for (const d of dashes.slice(1)) assert.ok(drawn.some((x) => x.replace(/\s/g, "") === d), `dash ${d} is drawn`);
});

test("ticks: 0 reads 0 (never 0e+0), small rates as 2e-5, no overlapping x labels", async () => {
  const s = spec(plot_schedules("all", { num_warmup_steps: 100, num_training_steps: 1000, lr: 5e-5 }));
  const svg = await vega_lite_to_svg(s);
  const y = axis_labels(svg, "Y").map((l) => l.text);
  assert.ok(y.includes("0") && y.includes("5e-5"), y.join(" "));
  assert.ok(!svg.includes("e+0"), "no 0e+0 tick");
  const x = axis_labels(svg, "X");
  for (let i = 1; i < x.length; i++) {
    const gap = x[i].x - x[i - 1].x, need = ((x[i].text.length + x[i - 1].text.length) / 2) * 6.5 + 4;
    assert.ok(gap > need, `x labels '${x[i - 1].text}' and '${x[i].text}' are ${gap.toFixed(1)} px apart (need ${need})`);
  }
  const hist = spec(plot_lr_history([{ step: 0, lr: 0 }, { step: 5, lr: 2e-5 }, { step: 9, lr: 1e-5 }]));
  assert.ok(!(await vega_lite_to_svg(hist)).includes("e+0"));
});

test("charts fill the cell: width 'container' in the spec, STATIC_WIDTH px in SVG/PNG", async () => {
  const c = plot_schedules("linear", { lr_lambda, num_training_steps: 100 });
  assert.equal(spec(c).width, "container");
  assert.equal(spec(plot_class_probabilities([0.1, 0.9], ["a", "b"])).width, "container");
  const svg = await vega_lite_to_svg(c);
  assert.equal(Number(svg.match(/<svg[^>]*width="(\d+)"/)![1]), STATIC_WIDTH);
  const png = decode_png(Buffer.from((await chart_bundle(c))["image/png"] as string, "base64"));
  assert.equal(png.width, 2 * STATIC_WIDTH);
  assert.equal(spec(plot_schedules("linear", { lr_lambda, num_training_steps: 100, width: 300 })).width, 300);
});

test("labels are wrapped, never cut: multiple-choice answers appear whole in the SVG", async () => {
  const labels = ["choice0: fork and knife are used for eating dinner at a table", "choice1: a spoon"];
  const s = spec(plot_class_probabilities([0.2, 0.8], labels));
  assert.equal(s.encoding.y.axis.labelLimit, 0);
  const svg = await vega_lite_to_svg(s);
  assert.ok(!svg.includes("…"), "nothing is elided");
  const words = svg.match(/>[^<]*</g)!.join(" ");
  for (const w of labels[0].split(" ")) assert.ok(words.includes(w), `'${w}' is drawn`);
  assert.match(svg, />choice0: fork and knife are</);
  assert.match(svg, />choice1: a spoon: 80%</, "a short label keeps the seed's `label: 80%` on its bar");
  assert.match(svg, />20%</);
});

test("ids: two renders of one chart share no SVG id; references follow the rename", async () => {
  const heat = plot_token_classification([[0.1, 0.9], [0.8, 0.2]], ["a", "b"], { 0: "O", 1: "X" });
  const [a, b] = [await vega_lite_to_svg(heat), await vega_lite_to_svg(heat)];
  const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids(a).some((id) => id.endsWith("gradient_0")), "the legend gradient has an id");
  assert.equal(ids(a).filter((id) => ids(b).includes(id)).length, 0);
  for (const svg of [a, b]) for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids(svg).includes(m[1]), `url(#${m[1]}) resolves`);
  const renamed = uniquify_svg_ids('<svg><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/></svg>', "p");
  assert.equal(renamed, '<svg><defs><linearGradient id="p-g"/></defs><rect fill="url(#p-g)"/><use href="#p-g"/></svg>');
});

const no_chromium = chromium_path() ? false : "no Chromium (apt-get install chromium, or set BERTLAB_CHROMIUM): the HTML report legend check needs a browser";

test("HTML report: with two heatmaps on one page, each colour legend paints (static and interactive)", { skip: no_chromium, timeout: 180_000 }, async () => {
  const heat = (p: number) => plot_token_classification([[p, 1 - p], [1 - p, p], [0.5, 0.5]], ["a", "b", "c"], { 0: "O", 1: "X" });
  // Both bundles' SVGs come from fresh renders, as two cells of one kernel would make them.
  const outputs = [await chart_bundle(heat(0.1)), await chart_bundle(heat(0.7))].map((data) => ({ output_type: "display_data", data, metadata: {} }));
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: outputs.map((o) => ({ cell_type: "code", source: "show(chart)", metadata: {}, execution_count: 1, outputs: [o] })) };
  const page = await notebook_to_html(nb as never, { title: "two heatmaps" });
  const static_page = page.replace(/<script>[\s\S]*?<\/script>/g, "");
  for (const [name, html] of [["static", static_page], ["interactive", page]] as const) {
    const painted = await with_page(`${name} report`, html, { width: 1000, height: 900 }, async (pg: any) => {
      await pg.waitForFunction(() => [...document.querySelectorAll(".bl-plot")].every((e) => name === "static" || e.getAttribute("data-rendered")), null, { timeout: 60_000 }).catch(() => undefined);
      const boxes: { x: number; y: number; width: number; height: number }[] = await pg.$$eval(".role-legend-gradient path", (ps: Element[]) => ps
        .map((p) => p.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0).map((r) => ({ x: r.x, y: r.y, width: r.width, height: r.height })));
      const counts: number[] = [];
      for (const box of boxes) {
        const img = decode_png(await pg.screenshot({ clip: box, type: "png" }));
        let blue = 0;
        for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i + 2] - img.rgba[i] > 40) blue++;
        counts.push(blue / (img.width * img.height));
      }
      return counts;
    });
    assert.equal(painted.length, 2, `${name}: two visible legend gradients`);
    for (const share of painted) assert.ok(share > 0.5, `${name}: a legend gradient is ${Math.round(share * 100)}% coloured`);
  }
});

test("training curves: small values tick as 5e-5, the legend lists only the series drawn", async () => {
  const log = [1, 2, 3].map((step) => ({ step, loss: 3 / step, learning_rate: 5e-5 / step }));
  const s = spec(plot_training(log));
  assert.deepEqual(s.vconcat[0].encoding.color.scale.domain, ["train"]);
  const svg = await vega_lite_to_svg(s);
  assert.match(svg, />5e-5</);
  assert.ok(!/>0\.0000\d/.test(svg), "no 0.00005-style ticks");
  const with_eval = spec(plot_training([...log, { step: 3, eval_loss: 1.2 }]));
  assert.deepEqual(with_eval.vconcat[0].encoding.color.scale.domain, ["train", "eval"]);
  // PNG / SVG at the static cell width (640 px): the panels span it, not a fixed 480 px column
  const w = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
  assert.ok(w >= 600 && w <= 700, `static width ${w}`);
});
