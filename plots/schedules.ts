// Learning-rate schedule plots: one or several schedules over steps, warmup region shaded, the
// schedule's parameters in its legend label (the lr a live run used is in lr_history.ts).
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { check_finite, short_number } from "./data";

/** One curve of plot_lr_schedules: a schedule's name, its learning rate per step and the legend label. */
export interface LrSeries {
  /** Schedule name, e.g. "cosine". */
  name: string;
  /** Learning rate (or multiplier) at step 0, 1, 2, ... */
  values: number[];
  /** Parameters shown in the legend label: `cosine (num_cycles 0.5)`. */
  params?: Record<string, number | string | boolean>;
  /** Full legend label; overrides name + params. */
  label?: string;
}

/** Options of plot_lr_schedules and plot_lr_history: warmup shading, x range, titles and size. */
export interface LrPlotOptions {
  /** Shades steps [0, num_warmup_steps) and labels it "warmup". */
  num_warmup_steps?: number;
  /** The x axis runs exactly over this range (default [0, last step]). */
  x_domain?: [number, number];
  title?: string;
  y_title?: string;
  x_title?: string;
  /** Pixels, or "container" (default): the cell's width in a frontend, STATIC_WIDTH in PNG/SVG. */
  width?: number | "container";
  height?: number;
  library?: Library;
}

/**
 * One dash pattern per series (solid first): curves that coincide — linear and polynomial with power 1,
 * constant and constant_with_warmup after warmup — stay visible as two colours alternating along one path.
 */
export const DASHES: number[][] = [[1, 0], [9, 7], [2, 5], [12, 5, 2, 5], [5, 9], [16, 8], [2, 3, 8, 7]];

/** Round tick values over [lo, hi] (about `count`), the end included when it is not a tick already. */
export function step_ticks(lo: number, hi: number, count = 8): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)! ;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if (hi - ticks[ticks.length - 1] > step * 0.4) ticks.push(hi);
  return ticks.filter((v) => Number.isInteger(v) || step < 1);
}

/** Learning-rate ticks: 0 as "0" (never "0e+0"), small rates as 2e-5, others as plain numbers. */
export function lr_label_expr(values: number[]): string {
  const fmt = axis_format(values);
  return `datum.value === 0 ? "0" : format(datum.value, "${fmt}")`;
}

/**
 * The legend label of one learning-rate series (its name, or the schedule name with its options).
 */
export function series_label(s: LrSeries): string {
  if (s.label) return s.label;
  const params = Object.entries(s.params ?? {});
  return params.length ? `${s.name} (${params.map(([k, v]) => `${k} ${typeof v === "number" ? short_number(v) : v}`).join(", ")})` : s.name;
}

function check_series(series: LrSeries[]): void {
  if (!Array.isArray(series) || series.length === 0) throw new Error("plot_lr_schedules: expected a non-empty array of { name, values } series");
  series.forEach((s, i) => {
    if (typeof s?.name !== "string") throw new Error(`plot_lr_schedules: series ${i} has no string 'name'`);
    if (!Array.isArray(s.values) || s.values.length === 0) throw new Error(`plot_lr_schedules: series '${s.name}' needs a non-empty 'values' array`);
    check_finite(s.values, `plot_lr_schedules: series '${s.name}' values`);
  });
  const labels = series.map(series_label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new Error(`plot_lr_schedules: two series have the same label '${dup}'; give them distinct params or labels`);
}

/** Schedules overlaid over steps; `num_warmup_steps` shades the warmup region. */
export function plot_lr_schedules(series: LrSeries[], opts: LrPlotOptions = {}): Chart {
  check_series(series);
  const title = opts.title ?? (series.length === 1 ? `Learning rate: ${series_label(series[0])}` : "Learning-rate schedules");
  const y_title = opts.y_title ?? "learning rate";
  const x_title = opts.x_title ?? "step";
  const warmup = opts.num_warmup_steps ?? 0;
  if (!(warmup >= 0)) throw new Error(`plot_lr_schedules: num_warmup_steps must be >= 0, got ${warmup}`);
  const labels = series.map(series_label);
  const last = Math.max(...series.map((s) => s.values.length - 1));
  const x_domain = opts.x_domain ?? [0, Math.max(1, last)];
  if (opts.library === "plotly") return lr_plotly(series, labels, warmup, title, x_title, y_title, x_domain, opts);
  // schedule_order: the series' index, sorted by (vega-lite's sort: [labels] breaks on labels such as "constructor")
  const values = series.flatMap((s, i) => s.values.map((lr, step) => ({ step, lr, schedule: labels[i], schedule_order: i })).filter((d) => d.step >= x_domain[0] && d.step <= x_domain[1]));
  const layers: Spec[] = [];
  const x_scale = { domain: x_domain, nice: false, zero: false };
  // One legend for colour and dash (same field, same legend): what is drawn is what the legend shows.
  const by_order = { field: "schedule_order", op: "min", order: "ascending" };
  const legend = { orient: "bottom", columns: 1, labelLimit: 0, symbolStrokeWidth: 2.5, symbolSize: 400 };
  if (warmup > 0) {
    layers.push({
      data: { values: [{ start: 0, end: warmup, label: `warmup (${warmup} steps)` }] },
      layer: [
        { mark: { type: "rect", color: "#f2b134", opacity: 0.18 }, encoding: { x: { field: "start", type: "quantitative", scale: x_scale }, x2: { field: "end" } } },
        { mark: { type: "text", align: "left", baseline: "bottom", dx: 4, dy: -4, color: "#9a6a00" }, encoding: { x: { field: "start", type: "quantitative", scale: x_scale }, y: { value: "height" }, text: { field: "label" } } },
      ],
    });
  }
  layers.push({
    data: { values },
    mark: { type: "line", interpolate: "linear", strokeWidth: 2 },
    encoding: {
      x: { field: "step", type: "quantitative", title: x_title, scale: x_scale, axis: { format: "~d", values: step_ticks(x_domain[0], x_domain[1]), labelFlush: true, labelOverlap: "greedy", labelSeparation: 12 } },
      y: { field: "lr", type: "quantitative", title: y_title, axis: { labelExpr: lr_label_expr(series.flatMap((s) => s.values)), labelOverlap: "greedy", tickCount: 6 } },
      color: { field: "schedule", type: "nominal", title: "schedule", sort: by_order, legend },
      strokeDash: { field: "schedule", type: "nominal", title: "schedule", sort: by_order, scale: { domain: labels, range: labels.map((_, i) => DASHES[i % DASHES.length]) }, legend },
      tooltip: [{ field: "schedule" }, { field: "step", type: "quantitative" }, { field: "lr", type: "quantitative", format: ".4~g" }],
    },
  });
  return vega_lite({ width: opts.width ?? "container", height: opts.height ?? 260, autosize: { type: "fit-x", contains: "padding" }, layer: layers }, title);
}

/** Small learning rates read better as 2e-5 than 0.00002. */
function axis_format(values: number[]): string {
  const max = Math.max(...values.map(Math.abs));
  return max > 0 && max < 1e-2 ? ".2~e" : "~g";
}

function lr_plotly(series: LrSeries[], labels: string[], warmup: number, title: string, x_title: string, y_title: string, x_domain: [number, number], opts: LrPlotOptions): Chart {
  const dash = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "5px,10px"];
  const data = series.map((s, i) => ({
    type: "scatter", mode: "lines", name: labels[i], x: s.values.map((_, k) => k), y: s.values, line: { dash: dash[i % dash.length], width: 2 },
    hovertemplate: `${labels[i]}<br>step %{x}<br>lr %{y:.4g}<extra></extra>`,
  }));
  const layout: Spec = {
    ...(typeof opts.width === "number" ? { width: opts.width + 220 } : {}), height: (opts.height ?? 260) + 160,
    xaxis: { title: { text: x_title }, range: x_domain }, yaxis: { title: { text: y_title }, exponentformat: "e" },
    legend: { orientation: "h", y: -0.25 },
    shapes: warmup > 0 ? [{ type: "rect", xref: "x", yref: "paper", x0: 0, x1: warmup, y0: 0, y1: 1, fillcolor: "#f2b134", opacity: 0.18, line: { width: 0 }, layer: "below" }] : [],
    annotations: warmup > 0 ? [{ x: 0, y: 1, xref: "x", yref: "paper", xanchor: "left", yanchor: "top", text: `warmup (${warmup} steps)`, showarrow: false, font: { color: "#9a6a00" } }] : [],
  };
  return plotly(data, layout, title);
}

/** `lr_lambda(name, opts) → (step) => multiplier`, as src/training exports it. */
export type LrLambdaFactory = (name: string, opts: ScheduleOptions) => (step: number) => number;

/** The learning-rate schedule parameters plot_schedules passes to lr_lambda (Python keyword names of the `get_*_schedule*` functions). */
export interface ScheduleOptions {
  num_warmup_steps?: number;
  num_training_steps?: number;
  num_cycles?: number;
  power?: number;
  lr_end?: number;
  timescale?: number;
  /** Base learning rate (polynomial decay needs it for lr_end). Default 5e-5, as HF's AdamW. */
  lr?: number;
  [key: string]: unknown;
}

/** Options of plot_schedules: the schedules' parameters (Python keyword names), the steps drawn, and the chart. */
export interface PlotSchedulesOptions extends ScheduleOptions {
  /** Steps to plot: 0..steps; the x axis is exactly [0, steps] (default num_training_steps). */
  steps?: number;
  /** Injected schedule factory; default: `lr_lambda` from bertlab's training module. */
  lr_lambda?: LrLambdaFactory;
  /** Names that "all" expands to; default: the training module's list, else HF's SchedulerType names. */
  schedule_names?: string[];
  title?: string;
  width?: number | "container";
  height?: number;
  library?: Library;
}

/** HF SchedulerType values that are a function of the step alone (reduce_lr_on_plateau needs metrics). */
export const HF_SCHEDULE_NAMES = ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt"];

/** Which options change each schedule's shape (shown in its legend label), with HF defaults. */
const SCHEDULE_PARAMS: Record<string, Record<string, number | undefined>> = {
  cosine: { num_cycles: 0.5 },
  cosine_with_restarts: { num_cycles: 1 },
  polynomial: { power: 1, lr_end: 1e-7 },
  inverse_sqrt: { timescale: undefined },
};

/** What the training module says about a schedule (its `SCHEDULES` table), when it is there. */
interface ScheduleInfoLike { name: string; metric_driven?: boolean; params: { name: string; required: boolean; default?: unknown }[] }

function training_module(): Record<string, unknown> | undefined {
  try {
    // Late import: plots/ builds and works before src/training lands.
    return require("../src/training");
  } catch {
    return undefined;
  }
}

interface Factory { lr_lambda: LrLambdaFactory; names: string[]; info: Map<string, ScheduleInfoLike> }

function resolve_factory(opts: PlotSchedulesOptions): Factory {
  const mod = opts.lr_lambda ? undefined : training_module();
  const lr_lambda = opts.lr_lambda ?? (mod?.lr_lambda as LrLambdaFactory | undefined);
  if (typeof lr_lambda !== "function") {
    throw new Error("plot_schedules: no lr_lambda available; pass { lr_lambda } (a (name, opts) => (step) => multiplier factory) or build bertlab's training module");
  }
  const table = Array.isArray(mod?.SCHEDULES) ? (mod!.SCHEDULES as ScheduleInfoLike[]).filter((s) => typeof s?.name === "string" && Array.isArray(s.params)) : [];
  const info = new Map(table.map((s) => [s.name, s]));
  // "all": every step-driven schedule whose required options are given (the newer ones need e.g. min_lr).
  const given = (k: string) => (opts as Record<string, unknown>)[k] !== undefined && (opts as Record<string, unknown>)[k] !== null;
  const from_table = table.filter((s) => !s.metric_driven && s.params.every((p) => !p.required || given(p.name) || p.name === "num_warmup_steps")).map((s) => s.name);
  const names = opts.schedule_names ?? (from_table.length ? from_table : HF_SCHEDULE_NAMES);
  return { lr_lambda, names: names.filter((n) => n !== "reduce_lr_on_plateau"), info };
}

/** Legend parameters: the schedule's own options besides warmup/total (given value, else its default). */
function legend_params(name: string, opts: Record<string, unknown>, info?: ScheduleInfoLike): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const defaults: [string, unknown][] = info
    ? info.params.filter((p) => p.name !== "num_warmup_steps" && p.name !== "num_training_steps").map((p) => [p.name, p.default])
    : Object.entries(SCHEDULE_PARAMS[name] ?? {});
  for (const [k, def] of defaults) {
    const v = opts[k] ?? def;
    if (typeof v === "number" || typeof v === "string") out[k] = v;
  }
  return out;
}

/** Computes the lr of each named schedule over 0..steps and plots them (see plot_lr_schedules). */
export function plot_schedules(names: string | string[], opts: PlotSchedulesOptions = {}): Chart {
  const { lr_lambda, names: all, info } = resolve_factory(opts);
  const list = names === "all" ? all : typeof names === "string" ? [names] : names;
  if (!Array.isArray(list) || list.length === 0) throw new Error("plot_schedules: expected a schedule name, an array of names, or \"all\"");
  const total = opts.num_training_steps;
  const steps = opts.steps ?? total;
  if (steps === undefined || !(steps >= 1)) throw new Error("plot_schedules: give num_training_steps (or steps) >= 1 to know how far to plot");
  const lr = opts.lr ?? 5e-5;
  const { lr_lambda: _f, schedule_names: _n, steps: _s, title: _t, width: _w, height: _h, library: _l, ...schedule_opts } = opts;
  const skipped: string[] = [];
  const series = list.flatMap((name) => {
    let fn: (step: number) => number;
    try {
      fn = lr_lambda(name, { ...schedule_opts, lr });
    } catch (e) {
      // "all" leaves out schedules these options cannot drive (e.g. cosine_with_min_lr without min_lr);
      // a schedule asked for by name reports its error.
      if (names !== "all") throw e;
      skipped.push(name);
      return [];
    }
    const values = Array.from({ length: steps + 1 }, (_, step) => lr * fn(step));
    return [{ name, values, params: legend_params(name, schedule_opts, info.get(name)) }];
  });
  if (series.length === 0) throw new Error(`plot_schedules: none of the schedules (${skipped.join(", ")}) can be built with these options`);
  const warm = opts.num_warmup_steps ?? 0;
  const title = opts.title ?? `Learning-rate schedules (lr ${short_number(lr)}, warmup ${warm}, ${total ?? steps} training steps)`;
  return plot_lr_schedules(series, { num_warmup_steps: warm, x_domain: [0, steps], title, width: opts.width, height: opts.height, library: opts.library });
}
