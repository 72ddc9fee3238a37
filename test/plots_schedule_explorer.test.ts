// schedule_explorer (issue 25 item 1): the curves are vega expressions evaluated in vega's own View (headless
// here, in Chromium in the HTML report); at sampled slider values every point equals bertlab's schedule
// functions (lr × lr_lambda(step)) to 1e-9 relative; the static SVG / PNG shows the defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  schedule_explorer, explorer_schedule_options, show_param, EXPLORER_SCHEDULES, EXPLORER_DEFAULTS,
  type ExplorerSchedule, type ScheduleExplorerValues, type Spec, type Chart,
} from "../plots";
import { chart_bundle, vega_lite_to_vega, vega_lite_to_svg, VEGA_LITE_MIME } from "../plots/render";
import { load_vega } from "../plots/render/esm";
import { with_page } from "../plots/render/browser";
import { notebook_to_html } from "../kernel/html";
import { lr_lambda } from "../src/training";
import { skip_unless } from "./helpers/tools";

const spec = (c: Chart): Spec => (c as { spec: Spec }).spec;
type Row = { schedule: ExplorerSchedule; step: number; lr: number };

/** The dataset that feeds the curves: the largest one whose rows carry schedule, step and lr. */
function curve_dataset(view: any, names: string[]): string {
  let best = "", size = -1;
  for (const n of names) {
    const rows = view.data(n) as Row[] | undefined;
    if (rows?.length && "schedule" in rows[0] && "lr" in rows[0] && rows.length > size) { best = n; size = rows.length; }
  }
  assert.ok(best, "a dataset with the curves' rows");
  return best;
}

async function headless(chart: Chart) {
  const { vega } = await load_vega();
  const compiled = (await vega_lite_to_vega(spec(chart))).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  await view.runAsync();
  const names = (compiled.data as Spec[]).map((d) => d.name as string);
  return { view, names, rows: (): Row[] => view.data(curve_dataset(view, names)) };
}

/** Every row equals lr × lr_lambda(name, options)(step), to 1e-9 relative; returns the rows per schedule. */
function check_rows(rows: Row[], v: ScheduleExplorerValues, warmup: "steps" | "ratio" = "steps"): Map<string, Row[]> {
  const by = new Map<string, Row[]>();
  for (const r of rows) by.set(r.schedule, [...(by.get(r.schedule) ?? []), r]);
  for (const [name, list] of by) {
    const opts = explorer_schedule_options(name as ExplorerSchedule, v, warmup);
    const f = lr_lambda(name, opts as never);
    for (const r of list) {
      const want = v.lr * f(r.step);
      const err = Math.abs(r.lr - want);
      assert.ok(err <= 1e-9 * Math.max(Math.abs(want), Math.abs(r.lr)),
        `${name} at step ${r.step} (${JSON.stringify(opts)}): explorer ${r.lr}, lr_lambda ${want}`);
    }
  }
  return by;
}

const SAMPLES: Partial<ScheduleExplorerValues>[] = [
  {},
  { num_training_steps: 300, num_warmup_steps: 0, lr: 1e-4, cosine_num_cycles: 2, restarts_num_cycles: 3, power: 2, lr_end: 1e-5, timescale: 50 },
  { num_training_steps: 57, num_warmup_steps: 13, lr: 3e-5, cosine_num_cycles: 0.75, power: 0.5, min_lr_rate: 0.3, min_lr_num_cycles: 1.25, num_decay_steps: 20, min_lr_ratio: 0.2, warmup_type: "cosine", decay_type: "1-sqrt" },
  { num_training_steps: 2500, num_warmup_steps: 700, lr: 2e-4, restarts_num_cycles: 4, power: 3, num_decay_steps: 1000, warmup_type: "1-sqrt", decay_type: "linear", wsd_num_cycles: 1 },
  { num_training_steps: 40, num_warmup_steps: 40, num_decay_steps: 0 }, // warmup = total: polynomial has no decay steps
  { num_training_steps: 120, num_warmup_steps: 30, warmup_lr_rate: 0.2, min_lr_rate: 0.05 },
  { num_training_steps: 120, num_warmup_steps: 30, warmup_lr_rate: 0 }, // 0 is not None: the warmup starts at 0, not at 1/30
];

test("schedule_explorer: at sampled slider values every curve point equals lr × lr_lambda(step) (vega View, headless)", async () => {
  const chart = schedule_explorer();
  const { view, rows } = await headless(chart);
  for (const sample of SAMPLES) {
    const v = { ...EXPLORER_DEFAULTS, ...sample };
    // every slider to the sample's value (the defaults elsewhere); warmup_lr_rate null is its checkbox unticked
    for (const k of Object.keys(EXPLORER_DEFAULTS)) {
      if (k === "warmup_ratio") continue;
      const value = (v as any)[k];
      if (k === "warmup_lr_rate") view.signal("use_warmup_lr_rate", value !== null).signal(k, value ?? 0);
      else view.signal(k, value);
    }
    await view.runAsync();
    const by = check_rows(rows(), v);
    const T = v.num_training_steps, points = Math.min(T, 400) + 1;
    assert.deepEqual([...by.keys()].sort(), [...EXPLORER_SCHEDULES].sort(), `schedules drawn for ${JSON.stringify(sample)}`);
    if (T === v.num_warmup_steps) {
      // polynomial with no decay steps: the warmup is drawn, the step where get_scheduler divides by zero is not
      assert.equal(Math.max(...by.get("polynomial")!.map((r) => r.step)), T - 1);
      assert.throws(() => lr_lambda("polynomial", explorer_schedule_options("polynomial", v) as never)(T), /divides by zero decay steps/);
    }
    for (const n of ["linear", "constant", "warmup_stable_decay"]) {
      const steps = by.get(n)!.map((r) => r.step);
      assert.equal(steps.length, points, `${n}: ${points} points`);
      assert.equal(steps[0], 0);
      assert.equal(steps[steps.length - 1], T, `${n} ends at num_training_steps`);
      if (T <= 400) assert.deepEqual(steps, Array.from({ length: T + 1 }, (_, i) => i), "every step while num_training_steps <= resolution");
    }
  }
  view.finalize();
});

test("schedule_explorer: warmup as a ratio (ceil(total × ratio), as TrainingArguments), checkboxes and lr_end ≥ lr leave curves out", async () => {
  const chart = schedule_explorer({ warmup: "ratio", warmup_ratio: 0.15, num_training_steps: 130, schedules: ["linear", "cosine", "polynomial", "inverse_sqrt"], shown: ["linear", "cosine", "polynomial"] });
  const s = spec(chart);
  const names = s.params.map((p: Spec) => p.name);
  assert.ok(names.includes("warmup_ratio") && !names.includes("num_warmup_steps"));
  assert.ok(!names.includes("min_lr_rate") && !names.includes(show_param("constant")), "knobs only for the schedules drawn");
  assert.deepEqual(s.params.find((p: Spec) => p.name === "warmup_ratio").bind, { input: "range", min: 0, max: 1, step: 0.01, name: "warmup_ratio " });
  const { view, rows } = await headless(chart);
  let v = { ...EXPLORER_DEFAULTS, warmup_ratio: 0.15, num_training_steps: 130 };
  let by = check_rows(rows(), v, "ratio");
  assert.deepEqual([...by.keys()].sort(), ["cosine", "linear", "polynomial"], "inverse_sqrt starts unticked");
  // ceil(130 × 0.15) = 20 warmup steps: linear reaches the peak exactly at step 20
  assert.equal(by.get("linear")![20].lr, v.lr);
  assert.ok(by.get("linear")![19].lr < v.lr);
  view.signal(show_param("inverse_sqrt"), true).signal(show_param("cosine"), false).signal("warmup_ratio", 0.33).signal("lr_end", 6e-5);
  await view.runAsync();
  v = { ...v, warmup_ratio: 0.33, lr_end: 6e-5 };
  by = check_rows(rows(), v, "ratio");
  assert.deepEqual([...by.keys()].sort(), ["inverse_sqrt", "linear"], "cosine unticked; polynomial refused (lr_end 6e-5 ≥ lr 5e-5), as get_scheduler refuses it");
  assert.throws(() => lr_lambda("polynomial", explorer_schedule_options("polynomial", v, "ratio") as never), /must be be smaller than initial lr/);
  view.finalize();
});

test("schedule_explorer: long runs are sampled evenly and still end at num_training_steps", async () => {
  const chart = schedule_explorer({ num_training_steps: 9999, num_warmup_steps: 1234, resolution: 250 });
  const { view, rows } = await headless(chart);
  const by = check_rows(rows(), { ...EXPLORER_DEFAULTS, num_training_steps: 9999, num_warmup_steps: 1234 });
  const steps = by.get("cosine")!.map((r) => r.step);
  assert.equal(steps.length, 251);
  assert.deepEqual([steps[0], steps[1], steps[250]], [0, 40, 9999]);
  view.finalize();
});

test("schedule_explorer: the bundle carries the spec with its bound params, and the SVG / PNG show the default values", async () => {
  const chart = schedule_explorer({ num_training_steps: 400, num_warmup_steps: 40 });
  const s = spec(chart);
  const binds = s.params.filter((p: Spec) => p.bind).map((p: Spec) => [p.name, p.bind.input]);
  assert.deepEqual(binds.slice(0, 3), [["num_training_steps", "range"], ["num_warmup_steps", "range"], ["lr", "range"]]);
  for (const knob of ["cosine_num_cycles", "restarts_num_cycles", "power", "lr_end", "timescale", "min_lr_rate", "warmup_lr_rate", "num_decay_steps", "min_lr_ratio", "wsd_num_cycles"]) {
    assert.ok(binds.some(([n, i]: string[]) => n === knob && i === "range"), `slider for ${knob}`);
  }
  assert.ok(binds.some(([n, i]: string[]) => n === "decay_type" && i === "select"));
  assert.deepEqual(binds.filter(([n, i]: string[]) => i === "checkbox" && n.startsWith("show_")).map(([n]: string[]) => n), EXPLORER_SCHEDULES.map(show_param));
  assert.ok(binds.some(([n, i]: string[]) => n === "use_warmup_lr_rate" && i === "checkbox"));
  const bundle = await chart_bundle(chart);
  assert.deepEqual(bundle[VEGA_LITE_MIME], s);
  assert.ok(String(bundle["image/png"]).length > 1000);
  // the static picture is the default view: the x axis ends at 400 and ten curves are drawn
  const svg = await vega_lite_to_svg(chart);
  const lines = [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"/g)];
  assert.equal(lines.length, EXPLORER_SCHEDULES.length);
  assert.match(svg, />400</);
  assert.doesNotMatch(svg, />1,?000</);
});

test("schedule_explorer: clear errors for bad options", () => {
  assert.throws(() => schedule_explorer({ schedules: ["reduce_lr_on_plateau" as never] }), /'reduce_lr_on_plateau' is not a step-driven schedule/);
  assert.throws(() => schedule_explorer({ num_training_steps: 10.5 }), /num_training_steps must be a non-negative integer, got 10.5/);
  assert.throws(() => schedule_explorer({ warmup_ratio: 2 }), /warmup_ratio must lie in \[0, 1\]/);
  assert.throws(() => schedule_explorer({ decay_type: "square" as never }), /decay_type must be 'linear', 'cosine' or '1-sqrt', got 'square'/);
  assert.throws(() => schedule_explorer({ lr: -1 }), /lr must be a finite number >= 0/);
});

test("schedule_explorer in the HTML report (Chromium): dragging the num_training_steps slider and keying the warmup slider move the curves to lr_lambda's values", { skip: skip_unless("chromium"), timeout: 180_000 }, async () => {
  const chart = schedule_explorer({ schedules: ["linear", "cosine", "polynomial", "warmup_stable_decay"], num_training_steps: 200, num_warmup_steps: 20, max_training_steps: 400, max_warmup_steps: 100, num_decay_steps: 50 });
  const compiled = (await vega_lite_to_vega(spec(chart))).spec;
  const names = (compiled.data as Spec[]).map((d) => d.name as string);
  const bundle = await chart_bundle(chart);
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: "schedule_explorer()", metadata: {}, execution_count: 1, outputs: [{ output_type: "execute_result", execution_count: 1, data: bundle, metadata: {} }] }] };
  const page = await notebook_to_html(nb as never, { title: "explorer" });
  const result = await with_page("schedule explorer report", page, { width: 1000, height: 1200 }, async (pg: any) => {
    await pg.waitForFunction(() => document.querySelector(".bl-plot")?.getAttribute("data-rendered") === "interactive", null, { timeout: 60_000 });
    const read = () => pg.evaluate((names: string[]) => {
      const view = (document.querySelector(".bl-interactive") as any).__vega_view;
      let best: any[] = [];
      for (const n of names) { const r = view.data(n); if (r?.length && "schedule" in r[0] && "lr" in r[0] && r.length > best.length) best = r; }
      const path = [...document.querySelectorAll('.bl-interactive path[aria-roledescription="line mark"]')].map((p) => p.getAttribute("d")).join("|");
      return {
        total: view.signal("num_training_steps"), warmup: view.signal("num_warmup_steps"), path,
        rows: best.map((d) => ({ schedule: d.schedule, step: d.step, lr: d.lr })),
      };
    }, names);
    const before = await read();
    // drag the num_training_steps slider's thumb towards the right end
    const slider = pg.locator("label", { hasText: "num_training_steps" }).locator("input[type=range]");
    const box = await slider.boundingBox();
    const from = box.x + (box.width * 200) / 400;
    await pg.mouse.move(from, box.y + box.height / 2);
    await pg.mouse.down();
    await pg.mouse.move(from + box.width * 0.3, box.y + box.height / 2, { steps: 8 });
    await pg.mouse.up();
    const dragged = await read();
    // three arrow presses on the warmup slider: 20 → 23
    const warm = pg.locator("label", { hasText: "num_warmup_steps" }).locator("input[type=range]");
    await warm.focus();
    for (let i = 0; i < 3; i++) await pg.keyboard.press("ArrowRight");
    const keyed = await read();
    const shown = await pg.locator("label", { hasText: "num_training_steps" }).locator("input[type=range]").inputValue();
    // hover over the plot: the readout names the step and each curve's lr there
    const plot = await pg.locator(".bl-interactive svg").boundingBox();
    await pg.mouse.move(plot.x + plot.width * 0.5, plot.y + plot.height * 0.3);
    await pg.waitForFunction(() => [...document.querySelectorAll(".bl-interactive svg text")].some((t) => /^step \d+$/.test(t.textContent ?? "")), null, { timeout: 10_000 });
    const readout: string[] = await pg.$$eval(".bl-interactive svg text", (ts: Element[]) => ts.map((t) => t.textContent ?? ""));
    return { before, dragged, keyed, shown: Number(shown), readout };
  });
  const v0 = { ...EXPLORER_DEFAULTS, num_training_steps: 200, num_warmup_steps: 20, num_decay_steps: 50 };
  assert.equal(result.before.total, 200);
  check_rows(result.before.rows, v0);
  assert.ok(result.dragged.total > 260 && result.dragged.total <= 400, `the drag moved num_training_steps from 200 to ${result.dragged.total}`);
  assert.equal(result.shown, result.keyed.total, "the slider shows the view's value");
  const v1 = { ...v0, num_training_steps: result.dragged.total };
  const by = check_rows(result.dragged.rows, v1);
  assert.equal(Math.max(...by.get("linear")!.map((r) => r.step)), result.dragged.total, "the curves now end at the new num_training_steps");
  assert.notEqual(result.dragged.path, result.before.path, "the drawn lines moved");
  assert.equal(result.keyed.warmup, 23);
  const by2 = check_rows(result.keyed.rows, { ...v1, num_warmup_steps: 23 });
  assert.equal(by2.get("cosine")![23].lr, v0.lr, "cosine peaks at the new warmup end");
  assert.notEqual(result.keyed.path, result.dragged.path);
  const step = Number(result.readout.find((t: string) => /^step \d+$/.test(t))!.slice(5));
  const v2 = { ...v1, num_warmup_steps: 23 };
  const lines = result.readout.filter((t: string) => /^[a-z_]+ [\d.e+-]+$/.test(t) && !t.startsWith("step ")).map((t: string) => t.split(" "));
  assert.deepEqual(lines.map(([n]: string[]) => n).sort(), ["cosine", "linear", "polynomial", "warmup_stable_decay"]);
  for (const [name, value] of lines) {
    const want = v2.lr * lr_lambda(name, explorer_schedule_options(name as ExplorerSchedule, v2) as never)(step);
    assert.ok(Math.abs(Number(value) - want) <= 5e-4 * want + 1e-12, `readout ${name} at step ${step}: ${value} vs ${want}`);
  }
});
