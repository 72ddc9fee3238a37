// plot_lr_schedules orders its user-named series by a numeric field, not vega-lite's sort array (which breaks on
// labels that are Object.prototype names: "constructor", "toString", "__proto__"): such labels render through
// vega, in the order given, with their own colour and dash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { plot_lr_schedules, to_svg, DASHES, type Spec } from "../plots";

const spec = (c: unknown): Spec => (c as { spec: Spec }).spec;

test("plot_lr_schedules: series named constructor / toString / __proto__ render through vega, in order", async () => {
  const names = ["constructor", "toString", "__proto__", "hasOwnProperty", "linear"];
  const series = names.map((label, i) => ({ name: "linear", label, values: [1, 0.8 - 0.1 * i, 0.5 - 0.1 * i, 0.1] }));
  const chart = plot_lr_schedules(series, { num_warmup_steps: 1 });
  const line = spec(chart).layer[1];
  const by_order = { field: "schedule_order", op: "min", order: "ascending" };
  assert.deepEqual(line.encoding.color.sort, by_order);
  assert.deepEqual(line.encoding.strokeDash.sort, by_order);
  assert.deepEqual(line.encoding.strokeDash.scale.range, names.map((_, i) => DASHES[i % DASHES.length]));
  // each point carries its series' index in the order given
  for (const [i, name] of names.entries()) {
    const rows = line.data.values.filter((v: { schedule: string }) => v.schedule === name);
    assert.equal(rows.length, 4, name);
    assert.ok(rows.every((v: { schedule_order: number }) => v.schedule_order === i), name);
  }
  const svg = await to_svg(chart);
  assert.match(svg, /^<svg/);
  // the legend lists every label, in the order given
  const at = names.map((n) => svg.indexOf(`>${n.replace(/_/g, "_")}</text>`));
  assert.ok(at.every((p) => p > 0), `every label is drawn: ${JSON.stringify(names.filter((_, i) => at[i] < 0))}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, "legend in the order given");
});
