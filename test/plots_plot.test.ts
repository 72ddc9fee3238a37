// plots/plot.ts: matplotlib's plot / scatter / bar / hist / heatmap / subplots as vega-lite specs (the specs' data
// and encodings checked), tensors accepted, log axes, non-finite points left out, and one render to SVG.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready } from "../src/backend";
import { bar, heatmap, hist, hist_bins, plot, scatter, subplots, to_svg, is_chart, type Spec } from "../plots";

const data = (c: { spec: Spec }) => (c.spec.data as { values: Spec[] }).values;
const enc = (c: { spec: Spec }) => c.spec.encoding as Record<string, Spec>;

test("plot(y), plot(x, y, { label }), several series, log axes, tensors, non-finite points dropped", async () => {
  await ready();
  const c = plot([3, 2, 1.5]);
  assert.ok(is_chart(c));
  assert.deepEqual(data(c), [{ x: 0, y: 3, series: "y" }, { x: 1, y: 2, series: "y" }, { x: 2, y: 1.5, series: "y" }]);
  assert.equal((c.spec.mark as Spec).type, "line");
  assert.equal(enc(c).color, undefined, "one unlabelled line: no legend");
  const t = tf.tensor1d([0.5, 0.25]);
  const xy = plot([10, 20], t, { label: "train", yscale: "log", title: "loss" });
  t.dispose();
  assert.deepEqual(data(xy), [{ x: 10, y: 0.5, series: "train" }, { x: 20, y: 0.25, series: "train" }]);
  assert.deepEqual(enc(xy).y.scale, { type: "log" });
  assert.equal(xy.spec.title, "loss");
  assert.equal(enc(xy).color.field, "series");
  const two = plot([{ y: [4, 3, 2], label: "train" }, { x: [0, 2], y: [3.5, 2.5], label: "eval" }], { xlabel: "step" });
  assert.deepEqual(data(two).map((r) => `${r.series}@${r.x}=${r.y}`), ["train@0=4", "train@1=3", "train@2=2", "eval@0=3.5", "eval@2=2.5"]);
  assert.deepEqual(enc(two).color.sort, ["train", "eval"]);
  assert.equal(enc(two).x.title, "step");
  const gaps = plot([1, NaN, 3, Infinity, 0], { yscale: "log" });
  assert.deepEqual(data(gaps).map((r) => r.y), [1, 3], "NaN, Infinity and (on a log axis) 0 are left out");
  assert.equal(gaps.dropped, 3);
  const batch = plot(tf.tidy(() => tf.tensor2d([[1, 2, 3]])), {});
  assert.equal(data(batch).length, 3, "a [1, n] tensor reads as n values");
  assert.throws(() => plot([[1, 2], [3, 4]]), /plot: series 0 y must be 1-D, got shape \[2, 2\] \(for several lines pass a list of \{ y, label \} series; for a matrix use heatmap\)/);
  assert.throws(() => plot([1, 2], [1, 2, 3]), /plot: x and y must have the same length \(series 0: 2 x values, 3 y values\)/);
  assert.throws(() => plot([1], { yscale: "logit" as never }), /yscale must be "linear", "log" or "symlog"/);
});

test("scatter, bar, hist (numpy's bins), heatmap with labels, subplots", () => {
  const s = scatter([1, 2, 3], [3, 1, 2], { c: [0, 0.5, 1] });
  assert.deepEqual(data(s)[1], { x: 2, y: 1, c: 0.5 });
  assert.equal(enc(s).color.field, "c");
  const b = bar(["neg", "pos"], [0.2, 0.8], { ylabel: "p" });
  assert.deepEqual(data(b), [{ label: "neg", height: 0.2 }, { label: "pos", height: 0.8 }]);
  assert.deepEqual(enc(b).x.sort, ["neg", "pos"]);
  assert.throws(() => bar(["a", "a"], [1, 2]), /labels must be distinct \(a appears twice\)/);
  // np.histogram([1, 2, 2, 3, 3, 3, 4], bins=3) → counts [1, 2, 4], edges [1, 2, 3, 4]
  assert.deepEqual(hist_bins([1, 2, 2, 3, 3, 3, 4], 3), { edges: [1, 2, 3, 4], counts: [1, 2, 4] });
  // np.histogram([5, 5], bins=2) → edges [4.5, 5, 5.5], counts [0, 2]
  assert.deepEqual(hist_bins([5, 5], 2), { edges: [4.5, 5, 5.5], counts: [0, 2] });
  const h = hist([1, 2, 2, 3, 3, 3, 4, NaN], { bins: 3 });
  assert.deepEqual(data(h).map((r) => r.count), [1, 2, 4]);
  assert.equal(h.dropped, 1);
  const d = hist([1, 2, 2, 3], { bins: 2, density: true });
  assert.ok(Math.abs(data(d).reduce((a, r) => a + (r.count as number) * ((r.end as number) - (r.start as number)), 0) - 1) < 1e-12, "density integrates to 1");
  const m = heatmap([[1, 2], [3, 4]], { x: ["a", "b"], y: ["r0", "r1"], annotate: true });
  assert.deepEqual(data(m)[2], { x: "a", y: "r1", value: 3 });
  assert.equal((m.spec.layer as Spec[]).length, 2);
  assert.throws(() => heatmap([[1, 2]], { x: ["a"] }), /heatmap: x has 1 labels for 2 columns/);
  const grid = subplots([plot([1, 2]), hist([1, 2, 3])], { columns: 1, title: "run" });
  assert.equal((grid.spec.concat as Spec[]).length, 2);
  assert.equal(grid.spec.columns, 1);
  assert.equal((grid.spec.concat as Spec[])[0].$schema, undefined);
  assert.equal((grid.spec.concat as Spec[])[0].width, 300);
  assert.throws(() => subplots([]), /subplots: expected a non-empty list of charts/);
});

test("renders as every bertlab chart: SVG with the lines and a legend, a grid of subplots", async () => {
  const svg = await to_svg(plot([{ y: [4, 3, 2.5, 2], label: "train" }, { y: [4.2, 3.4, 3.1, 3], label: "eval" }], { yscale: "log", title: "losses" }));
  assert.match(svg, /^<svg/);
  assert.ok(svg.includes("train") && svg.includes("eval") && svg.includes("losses"), "legend and title drawn");
  assert.ok((svg.match(/<path/g) ?? []).length >= 2, "the lines are drawn");
  const grid = await to_svg(subplots([plot([1, 2, 3]), hist([1, 2, 2, 3], { bins: 3 }), heatmap([[0, 1], [1, 0]])], { columns: 2 }));
  assert.match(grid, /^<svg/);
});
