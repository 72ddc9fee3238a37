// An interactive learning-rate schedule explorer that needs no kernel: every step-driven schedule of
// get_scheduler drawn together, its inputs vega-lite params bound to sliders, checkboxes and menus. The curves are
// vega expressions (the formulas of src/training/schedule_lambdas.ts, operation by operation), evaluated in the
// browser on every slider move; static PNG / SVG renderings show the default values.
import { Chart, Spec, vega_lite } from "./chart";
import { DASHES } from "./schedules";

/** The schedules the explorer draws, in get_scheduler's order (reduce_lr_on_plateau follows a metric, not the step). */
export const EXPLORER_SCHEDULES = [
  "linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt",
  "cosine_with_min_lr", "cosine_warmup_with_min_lr", "warmup_stable_decay",
] as const;
/** A schedule the explorer can draw: one of EXPLORER_SCHEDULES (get_scheduler's step-driven names). */
export type ExplorerSchedule = (typeof EXPLORER_SCHEDULES)[number];

/** warmup_stable_decay's warmup / decay shape (transformers' `warmup_type` / `decay_type`). */
export type WsdShapeName = "linear" | "cosine" | "1-sqrt";

/** Slider start values (Python keyword names); each becomes a vega-lite param of the same name. */
export interface ScheduleExplorerValues {
  /** Total optimizer steps (the x axis). */
  num_training_steps: number;
  /** Used when `warmup` is "steps". */
  num_warmup_steps: number;
  /** Used when `warmup` is "ratio": num_warmup_steps = ceil(num_training_steps × warmup_ratio), as TrainingArguments. */
  warmup_ratio: number;
  /** The optimizer's initial (peak) learning rate. */
  lr: number;
  /** cosine: number of cosine waves (0.5 = down to 0). */
  cosine_num_cycles: number;
  /** cosine_with_restarts: number of hard restarts. */
  restarts_num_cycles: number;
  /** polynomial: power of the decay. */
  power: number;
  /** polynomial: final lr (absolute; the curve is left out while lr_end ≥ lr, where get_scheduler refuses). */
  lr_end: number;
  /** inverse_sqrt: time scale; 0 means the default (num_warmup_steps, or 10000 without warmup). */
  timescale: number;
  /** cosine_with_min_lr / cosine_warmup_with_min_lr: the floor as a fraction of lr (and their num_cycles). */
  min_lr_rate: number;
  /** cosine_with_min_lr / cosine_warmup_with_min_lr: number of cosine waves. */
  min_lr_num_cycles: number;
  /** cosine_warmup_with_min_lr: the first warmup lr as a fraction of lr; null (default) is upstream's None. */
  warmup_lr_rate: number | null;
  /** warmup_stable_decay: decay steps, floor ratio, shapes and num_cycles. */
  num_decay_steps: number;
  min_lr_ratio: number;
  warmup_type: WsdShapeName;
  decay_type: WsdShapeName;
  wsd_num_cycles: number;
}

/**
 * schedule_explorer's options: the sliders' start values (ScheduleExplorerValues; EXPLORER_DEFAULTS where left out),
 * which schedules to draw, the warmup mode, slider ranges, resolution, title and size.
 */
export interface ScheduleExplorerOptions extends Partial<ScheduleExplorerValues> {
  /** Which schedules to draw (default all of EXPLORER_SCHEDULES); the others are left out, not just unticked. */
  schedules?: ExplorerSchedule[];
  /** Schedules ticked at first (default: all drawn). */
  shown?: ExplorerSchedule[];
  /** Warmup slider in steps or as a ratio of num_training_steps. @default "steps" */
  warmup?: "steps" | "ratio";
  /** Top of the num_training_steps slider (raised to num_training_steps if that is larger). @default 10000 */
  max_training_steps?: number;
  /** Top of the num_warmup_steps slider (raised to num_warmup_steps if that is larger). @default 2000 */
  max_warmup_steps?: number;
  /** The lr slider's [min, max] (default: [min(1e-6, lr), max(1e-3, lr)]). */
  lr_range?: [number, number];
  /** Curve points per schedule: every step when num_training_steps ≤ resolution, else evenly spread. @default 400 */
  resolution?: number;
  /** @default "Learning-rate schedules (move the sliders; hover for values)" */
  title?: string;
  /** Width in px, or the container's width. @default "container" */
  width?: number | "container";
  /** Height in px. @default 300 */
  height?: number;
}

/**
 * The sliders' start values where schedule_explorer's options leave them out: 1000 training steps, 100 warmup steps
 * (ratio 0.1), lr 5e-5 and each schedule's own knobs.
 * @example
 * ```ts
 * schedule_explorer({ lr: 1e-4, num_training_steps: 2 * EXPLORER_DEFAULTS.num_training_steps })
 * ```
 */
export const EXPLORER_DEFAULTS: ScheduleExplorerValues = {
  num_training_steps: 1000, num_warmup_steps: 100, warmup_ratio: 0.1, lr: 5e-5,
  cosine_num_cycles: 0.5, restarts_num_cycles: 1, power: 1, lr_end: 1e-7, timescale: 0,
  min_lr_rate: 0.1, min_lr_num_cycles: 0.5, warmup_lr_rate: null,
  num_decay_steps: 200, min_lr_ratio: 0, warmup_type: "linear", decay_type: "cosine", wsd_num_cycles: 0.5,
};

/** The vega expression (over `datum.step`, warmup `W`, total `T` and the params) of each schedule's multiplier. */
export const EXPLORER_EXPRESSIONS: Record<ExplorerSchedule, string> = (() => {
  const s = "datum.step", W = "datum.W", T = "num_training_steps";
  const warm = `${s} / max(1, ${W})`;
  const progress = `(${s} - ${W}) / max(1, ${T} - ${W})`;
  const cos_factor = (cycles: string, p: string) => `0.5 * (1.0 + cos(PI * ${cycles} * 2.0 * ${p}))`;
  const shape_up = (p: string) => `(warmup_type === 'linear' ? ${p} : warmup_type === 'cosine' ? 0.5 * (1.0 - cos(PI * ${p})) : 1.0 - sqrt(1.0 - ${p}))`;
  const shape_down = (p: string) => `(decay_type === 'linear' ? 1.0 - ${p} : decay_type === 'cosine' ? ${cos_factor("wsd_num_cycles", p)} : 1.0 - sqrt(${p}))`;
  const S = `(${T} - ${W} - num_decay_steps)`;
  const wsd_up = `(${s} / max(1, ${W}))`;
  const wsd_down = `((${s} - ${W} - ${S}) / max(1, num_decay_steps))`;
  const ts = `(timescale > 0 ? timescale : (${W} || 10000))`;
  return {
    linear: `${s} < ${W} ? ${warm} : max(0.0, (${T} - ${s}) / max(1, ${T} - ${W}))`,
    cosine: `${s} < ${W} ? ${warm} : max(0, ${cos_factor("cosine_num_cycles", `(${progress})`)})`,
    cosine_with_restarts: `${s} < ${W} ? ${warm} : (${progress}) >= 1.0 ? 0.0 : max(0.0, 0.5 * (1.0 + cos(PI * ((restarts_num_cycles * (${progress})) % 1.0))))`,
    // null (no point) where get_scheduler refuses: lr_end ≥ lr, or zero decay steps at the end of warmup
    polynomial: `!(lr > lr_end) ? null : ${s} < ${W} ? ${warm} : ${s} > ${T} ? lr_end / lr : ${T} === ${W} ? null : ((lr - lr_end) * pow(1 - (${s} - ${W}) / (${T} - ${W}), power) + lr_end) / lr`,
    constant: "1",
    constant_with_warmup: `${s} < ${W} ? ${warm} : 1.0`,
    inverse_sqrt: `${s} < ${W} ? ${warm} : 1.0 / sqrt((${s} + (${ts} - ${W})) / ${ts})`,
    cosine_with_min_lr: `${s} < ${W} ? ${warm} : max(0, ${cos_factor("min_lr_num_cycles", `(${progress})`)} * (1 - min_lr_rate) + min_lr_rate)`,
    cosine_warmup_with_min_lr: `${s} < ${W} ? (use_warmup_lr_rate ? warmup_lr_rate + ((1.0 - warmup_lr_rate) * ${s}) / max(1, ${W} - 1) : (${s} + 1.0) / max(1.0, ${W})) : max(0, ${cos_factor("min_lr_num_cycles", `((${s} - ${W} + 1.0) / max(1.0, ${T} - ${W}))`)} * (1 - min_lr_rate) + min_lr_rate)`,
    warmup_stable_decay: `${s} < ${W} ? max(0.0, ${shape_up(wsd_up)} * (1.0 - min_lr_ratio) + min_lr_ratio)`
      + ` : ${s} < ${W} + ${S} ? 1.0`
      + ` : ${s} < ${W} + ${S} + num_decay_steps ? max(0.0, ${shape_down(wsd_down)} * (1.0 - min_lr_ratio) + min_lr_ratio)`
      + " : min_lr_ratio",
  };
})();

/** The schedule options a curve stands for at given slider values, as lr_lambda takes them (what the tests compare). */
export function explorer_schedule_options(name: ExplorerSchedule, v: ScheduleExplorerValues, warmup: "steps" | "ratio" = "steps"): Record<string, unknown> {
  const num_training_steps = v.num_training_steps;
  const num_warmup_steps = warmup === "ratio" ? Math.ceil(num_training_steps * v.warmup_ratio) : v.num_warmup_steps;
  const base = { lr: v.lr, num_warmup_steps, num_training_steps };
  switch (name) {
    case "cosine": return { ...base, num_cycles: v.cosine_num_cycles };
    case "cosine_with_restarts": return { ...base, num_cycles: v.restarts_num_cycles };
    case "polynomial": return { ...base, power: v.power, lr_end: v.lr_end };
    case "inverse_sqrt": return { ...base, timescale: v.timescale > 0 ? v.timescale : undefined };
    case "cosine_with_min_lr":
      return { ...base, num_cycles: v.min_lr_num_cycles, min_lr_rate: v.min_lr_rate };
    case "cosine_warmup_with_min_lr": return { ...base, num_cycles: v.min_lr_num_cycles, min_lr_rate: v.min_lr_rate, warmup_lr_rate: v.warmup_lr_rate };
    case "warmup_stable_decay":
      return { ...base, num_decay_steps: v.num_decay_steps, min_lr_ratio: v.min_lr_ratio, warmup_type: v.warmup_type, decay_type: v.decay_type, num_cycles: v.wsd_num_cycles };
    default: return base;
  }
}

/** A checkbox param's name for a schedule: `show_linear`, `show_cosine_with_restarts`, ... */
export function show_param(name: ExplorerSchedule): string {
  return `show_${name}`;
}

function check(opts: ScheduleExplorerOptions): void {
  const names = opts.schedules ?? [...EXPLORER_SCHEDULES];
  const bad = [...names, ...(opts.shown ?? [])].find((n) => !(EXPLORER_SCHEDULES as readonly string[]).includes(n));
  if (bad !== undefined) {
    throw new Error(`schedule_explorer: '${bad}' is not a step-driven schedule; expected some of ${EXPLORER_SCHEDULES.join(", ")} (reduce_lr_on_plateau follows a metric)`);
  }
  if (names.length === 0) throw new Error("schedule_explorer: schedules is empty; give at least one schedule name");
  for (const k of ["num_training_steps", "num_warmup_steps", "num_decay_steps", "max_training_steps", "max_warmup_steps", "resolution"] as const) {
    const v = opts[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`schedule_explorer: ${k} must be a non-negative integer, got ${v}`);
  }
  if (opts.warmup_lr_rate !== undefined && opts.warmup_lr_rate !== null && !(opts.warmup_lr_rate >= 0 && opts.warmup_lr_rate <= 1)) throw new Error(`schedule_explorer: warmup_lr_rate must lie in [0, 1] or be null, got ${opts.warmup_lr_rate}`);
  for (const k of ["lr", "warmup_ratio", "cosine_num_cycles", "restarts_num_cycles", "power", "lr_end", "timescale", "min_lr_rate", "min_lr_num_cycles", "min_lr_ratio", "wsd_num_cycles"] as const) {
    const v = opts[k];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) throw new Error(`schedule_explorer: ${k} must be a finite number >= 0, got ${v}`);
  }
  if (opts.warmup_ratio !== undefined && opts.warmup_ratio > 1) throw new Error(`schedule_explorer: warmup_ratio must lie in [0, 1], got ${opts.warmup_ratio}`);
  if (opts.warmup !== undefined && opts.warmup !== "steps" && opts.warmup !== "ratio") throw new Error(`schedule_explorer: warmup must be "steps" or "ratio", got ${String(opts.warmup)}`);
  for (const k of ["warmup_type", "decay_type"] as const) {
    const v = opts[k];
    if (v !== undefined && !["linear", "cosine", "1-sqrt"].includes(v)) throw new Error(`schedule_explorer: ${k} must be 'linear', 'cosine' or '1-sqrt', got '${v}'`);
  }
  if (opts.lr_range && !(opts.lr_range[0] >= 0 && opts.lr_range[1] > opts.lr_range[0])) throw new Error(`schedule_explorer: lr_range must be [min, max] with 0 <= min < max, got [${opts.lr_range}]`);
  if (opts.num_training_steps === 0) throw new Error("schedule_explorer: num_training_steps must be >= 1");
}

const slider = (name: string, value: number, min: number, max: number, step: number, label?: string): Spec => ({
  name, value, bind: { input: "range", min, max, step, name: `${label ?? name} ` },
});

/**
 * Every step-driven schedule of `get_scheduler` drawn together, with sliders for num_training_steps, warmup
 * (steps or ratio), peak lr and each schedule's own knobs, a checkbox per schedule and a hover readout (the step
 * and each curve's lr). Recomputed in the browser — JupyterLab, VS Code, the HTML report — without a kernel.
 *
 * ```ts
 * schedule_explorer({ num_training_steps: 500, num_warmup_steps: 50, lr: 3e-5 })  // a cell's value draws it
 * ```
 */
export function schedule_explorer(opts: ScheduleExplorerOptions = {}): Chart {
  check(opts);
  const v: ScheduleExplorerValues = { ...EXPLORER_DEFAULTS };
  for (const k of Object.keys(EXPLORER_DEFAULTS) as (keyof ScheduleExplorerValues)[]) if (opts[k] !== undefined) (v as any)[k] = opts[k];
  const names = (opts.schedules ?? [...EXPLORER_SCHEDULES]) as ExplorerSchedule[];
  const shown = new Set(opts.shown ?? names);
  const warmup = opts.warmup ?? "steps";
  const max_total = Math.max(opts.max_training_steps ?? 10_000, v.num_training_steps);
  const max_warm = Math.max(opts.max_warmup_steps ?? 2_000, v.num_warmup_steps);
  const [lr_lo, lr_hi] = opts.lr_range ?? [Math.min(1e-6, v.lr), Math.max(1e-3, v.lr)];
  const R = opts.resolution ?? 400;
  if (R < 2) throw new Error(`schedule_explorer: resolution must be >= 2, got ${R}`);
  const has = (n: ExplorerSchedule) => names.includes(n);

  const params: Spec[] = [
    slider("num_training_steps", v.num_training_steps, 1, max_total, 1),
    warmup === "ratio" ? slider("warmup_ratio", v.warmup_ratio, 0, 1, 0.01) : slider("num_warmup_steps", v.num_warmup_steps, 0, max_warm, 1),
    slider("lr", v.lr, lr_lo, lr_hi, lr_lo > 0 ? Math.min(lr_lo, 1e-6) : 1e-6, "lr (peak)"),
  ];
  if (has("cosine")) params.push(slider("cosine_num_cycles", v.cosine_num_cycles, 0, 4, 0.25, "cosine: num_cycles"));
  if (has("cosine_with_restarts")) params.push(slider("restarts_num_cycles", v.restarts_num_cycles, 1, 8, 1, "cosine_with_restarts: num_cycles"));
  if (has("polynomial")) {
    params.push(slider("power", v.power, 0.25, 4, 0.25, "polynomial: power"));
    params.push(slider("lr_end", v.lr_end, 0, lr_hi, lr_lo > 0 ? Math.min(lr_lo, 1e-7) : 1e-7, "polynomial: lr_end"));
  }
  if (has("inverse_sqrt")) params.push(slider("timescale", v.timescale, 0, max_total, 1, "inverse_sqrt: timescale (0 = default)"));
  if (has("cosine_with_min_lr") || has("cosine_warmup_with_min_lr")) {
    params.push(slider("min_lr_rate", v.min_lr_rate, 0, 1, 0.01, "min_lr schedules: min_lr_rate"));
    params.push(slider("min_lr_num_cycles", v.min_lr_num_cycles, 0, 4, 0.25, "min_lr schedules: num_cycles"));
  }
  if (has("cosine_warmup_with_min_lr")) {
    params.push({ name: "use_warmup_lr_rate", value: v.warmup_lr_rate !== null, bind: { input: "checkbox", name: "cosine_warmup_with_min_lr: set warmup_lr_rate (else None) " } });
    params.push(slider("warmup_lr_rate", v.warmup_lr_rate ?? 0, 0, 1, 0.01, "cosine_warmup_with_min_lr: warmup_lr_rate"));
  }
  if (has("warmup_stable_decay")) {
    params.push(slider("num_decay_steps", v.num_decay_steps, 0, max_total, 1, "warmup_stable_decay: num_decay_steps"));
    params.push(slider("min_lr_ratio", v.min_lr_ratio, 0, 1, 0.01, "warmup_stable_decay: min_lr_ratio"));
    params.push({ name: "warmup_type", value: v.warmup_type, bind: { input: "select", options: ["linear", "cosine", "1-sqrt"], name: "warmup_stable_decay: warmup_type " } });
    params.push({ name: "decay_type", value: v.decay_type, bind: { input: "select", options: ["linear", "cosine", "1-sqrt"], name: "warmup_stable_decay: decay_type " } });
    params.push(slider("wsd_num_cycles", v.wsd_num_cycles, 0, 4, 0.25, "warmup_stable_decay: num_cycles"));
  }
  for (const n of names) params.push({ name: show_param(n), value: shown.has(n), bind: { input: "checkbox", name: `${n} ` } });

  const W = warmup === "ratio" ? "ceil(num_training_steps * warmup_ratio)" : "num_warmup_steps";
  const fields = names.map((n) => `m_${n}`);
  const transform: Spec[] = [
    // every step while num_training_steps <= R, else R + 1 steps spread evenly (always 0 and num_training_steps)
    { calculate: `num_training_steps <= ${R} ? datum.i : round(datum.i * num_training_steps / ${R})`, as: "step" },
    { filter: `datum.step <= num_training_steps` },
    { calculate: W, as: "W" },
    ...names.map((n) => ({ calculate: EXPLORER_EXPRESSIONS[n], as: `m_${n}` })), // the multiplier (lr_lambda)
    { fold: fields, as: ["key", "multiplier"] },
    { calculate: "slice(datum.key, 2)", as: "schedule" },
    { calculate: "isValid(datum.multiplier) ? lr * datum.multiplier : null", as: "lr" },
    { filter: `isValid(datum.lr) && (${names.map((n) => `(datum.schedule === '${n}' && ${show_param(n)})`).join(" || ")})` },
  ];
  const x_scale = { domain: { expr: "[0, num_training_steps]" }, nice: false, zero: false };
  const legend = { orient: "bottom", columns: 2, labelLimit: 0, symbolStrokeWidth: 2.5, symbolSize: 400 };
  const colour = { field: "schedule", type: "nominal", title: "schedule", sort: names, scale: { domain: names }, legend };
  const x = { field: "step", type: "quantitative", title: "step", scale: x_scale, axis: { format: "~d", labelFlush: true, labelOverlap: "greedy" } };
  const y = { field: "lr", type: "quantitative", title: "learning rate", axis: { labelExpr: `datum.value === 0 ? "0" : abs(datum.value) < 1e-2 ? format(datum.value, ".2~e") : format(datum.value, "~g")`, tickCount: 6 } };
  const curves: Spec[] = [
    {
      mark: { type: "line", interpolate: "linear", strokeWidth: 2 },
      encoding: {
        x, y, color: colour,
        strokeDash: { field: "schedule", type: "nominal", title: "schedule", sort: names, scale: { domain: names, range: names.map((_, i) => DASHES[i % DASHES.length]) }, legend },
      },
    },
    {
      // invisible points carry the hover selection: the nearest step under the pointer
      params: [{ name: "hover", select: { type: "point", fields: ["step"], nearest: true, on: "mouseover", clear: "mouseout" } }],
      mark: { type: "point", opacity: 0, size: 60 },
      encoding: { x, y, tooltip: [{ field: "schedule" }, { field: "step", type: "quantitative" }, { field: "lr", type: "quantitative", format: ".6~g" }] },
    },
    { transform: [{ filter: { param: "hover", empty: false } }], mark: { type: "rule", color: "#888" }, encoding: { x } },
    { transform: [{ filter: { param: "hover", empty: false } }], mark: { type: "point", filled: true, size: 45 }, encoding: { x, y, color: { ...colour, legend: null } } },
    {
      // the readout beside the rule: each curve's lr at the step, highest first, one line each (never overlapping)
      transform: [
        { filter: { param: "hover", empty: false } },
        { window: [{ op: "row_number", as: "rank" }], sort: [{ field: "lr", order: "descending" }] },
        { calculate: "datum.schedule + ' ' + (datum.lr === 0 ? '0' : format(datum.lr, '.4~e'))", as: "readout" },
        { calculate: "4 + 13 * datum.rank", as: "line_y" },
      ],
      mark: { type: "text", align: "left", baseline: "top", dx: 6, fontSize: 10 },
      encoding: { x, y: { field: "line_y", type: "quantitative", scale: null }, text: { field: "readout" }, color: { ...colour, legend: null } },
    },
    {
      transform: [{ filter: { param: "hover", empty: false } }, { aggregate: [{ op: "min", field: "step", as: "step" }] }, { calculate: "'step ' + datum.step", as: "readout" }],
      mark: { type: "text", align: "left", baseline: "top", dx: 4, y: 2, fontWeight: "bold" },
      encoding: { x: { field: "step", type: "quantitative", scale: x_scale }, text: { field: "readout" } },
    },
  ];
  const layer: Spec[] = [
    {
      // warmup region, shaded
      transform: [{ filter: "datum.i === 0" }, { calculate: W, as: "W" }, { filter: "datum.W > 0" }],
      mark: { type: "rect", color: "#f2b134", opacity: 0.18 },
      encoding: { x: { field: "i", type: "quantitative", scale: x_scale }, x2: { field: "W" } },
    },
    { transform, layer: curves },
  ];
  const spec: Spec = {
    width: opts.width ?? "container", height: opts.height ?? 300, autosize: { type: "fit-x", contains: "padding" },
    params, data: { sequence: { start: 0, stop: R + 1, as: "i" } }, layer,
  };
  const title = opts.title ?? "Learning-rate schedules (move the sliders; hover for values)";
  return vega_lite(spec, title);
}
