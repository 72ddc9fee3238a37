// Training curves from a Hugging Face-style `log_history` (Trainer.state.log_history): one panel per metric
// (loss, learning rate, grad norm, accuracy...), train and eval series of the same metric in the same panel.
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";

/** One record of a Trainer's log_history (step, epoch and the logged metrics). */
export type LogRecord = { step?: number; epoch?: number; [key: string]: unknown };

/** Options of plot_training (a Trainer's log_history as loss / learning-rate / metric panels). */
export interface TrainingPlotOptions {
  /** Metric names to show (as logged, e.g. "loss", "eval_accuracy"); default: every numeric metric. */
  metrics?: string[];
  /** x axis: "step" (default) or "epoch". */
  x?: "step" | "epoch";
  title?: string;
  /** Pixels, or "container" (default): the cell's width in a frontend, STATIC_WIDTH in PNG / SVG. */
  width?: number | "container";
  /** Height of each panel. */
  height?: number;
  library?: Library;
}

/** One point of plot_training's curves (training_points): x value, metric, panel, train / eval series and value. */
export interface CurvePoint { x: number; metric: string; panel: string; series: "train" | "eval"; value: number }

// Keys that are bookkeeping, not curves (HF Trainer's summary record and throughput fields).
const NOT_A_CURVE = /^(step|epoch|total_flos|train_runtime|train_samples_per_second|train_steps_per_second|train_loss|eval_runtime|eval_samples_per_second|eval_steps_per_second)$/;

const PANEL_TITLES: Record<string, string> = { loss: "loss", learning_rate: "learning rate", grad_norm: "grad norm" };

/**
 * Which panel and series a logged metric goes to in plot_training (`eval_loss` → panel "loss", series "eval").
 * @example
 * ```ts
 * panel_of("eval_loss") // { panel: "loss", series: "eval" }
 * ```
 */
export function panel_of(metric: string): { panel: string; series: "train" | "eval" } {
  const series = metric.startsWith("eval_") ? "eval" : "train";
  const base = series === "eval" ? metric.slice(5) : metric;
  return { panel: PANEL_TITLES[base] ?? base, series };
}

/** Long-form points (x, metric, panel, series, value) from a log_history; records without x are skipped. */
export function training_points(log_history: LogRecord[], opts: Pick<TrainingPlotOptions, "metrics" | "x"> = {}): CurvePoint[] {
  if (!Array.isArray(log_history)) throw new Error("plot_training: expected log_history to be an array of records like { step, loss, learning_rate, eval_loss }");
  const xkey = opts.x ?? "step";
  const wanted = opts.metrics ? new Set(opts.metrics) : undefined;
  const points: CurvePoint[] = [];
  log_history.forEach((rec, i) => {
    if (typeof rec !== "object" || rec === null) throw new Error(`plot_training: log_history[${i}] is ${rec === null ? "null" : typeof rec}, expected a record`);
    if ("train_runtime" in rec) return; // the end-of-training summary, not a point on a curve
    const x = rec[xkey];
    if (typeof x !== "number") return;
    for (const [metric, value] of Object.entries(rec)) {
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      if (wanted ? !wanted.has(metric) : NOT_A_CURVE.test(metric)) continue;
      points.push({ x, metric, ...panel_of(metric), value });
    }
  });
  if (wanted) {
    const missing = [...wanted].filter((m) => !points.some((p) => p.metric === m));
    if (missing.length) throw new Error(`plot_training: metric(s) ${missing.join(", ")} never logged with a numeric '${xkey}'`);
  }
  return points;
}

const SMALL_AS_EXPONENT = 'datum.value !== 0 && abs(datum.value) < 0.01 ? format(datum.value, ".2~e") : format(datum.value, "~g")';

/** Loss / lr / grad norm / eval metrics over steps: one panel per metric, train and eval overlaid. */
export function plot_training(log_history: LogRecord[], opts: TrainingPlotOptions = {}): Chart {
  const points = training_points(log_history, opts);
  if (points.length === 0) throw new Error("plot_training: log_history has no numeric metrics with a step yet");
  const panels = [...new Set(points.map((p) => p.panel))];
  const xkey = opts.x ?? "step";
  const title = opts.title ?? "Training";
  if (opts.library === "plotly") return training_plotly(points, panels, xkey, title, opts);
  const dense = points.length / Math.max(1, panels.length) <= 60;
  const series = ["train", "eval"].filter((x) => points.some((p) => p.series === x));
  // One panel per metric stacked vertically (a vconcat, not a facet: each panel can then take the cell's width —
  // `width: "container"` — in a frontend, and STATIC_WIDTH in PNG / SVG); x shared, y per panel.
  const panel_spec = (panel: string): Spec => ({
    title: { text: panel, anchor: "start", fontSize: 12, fontWeight: "bold" },
    width: opts.width ?? "container",
    height: opts.height ?? 140,
    transform: [{ filter: { field: "panel", equal: panel } }],
    mark: { type: "line", point: dense, interpolate: "linear" },
    encoding: {
      x: { field: "x", type: "quantitative", title: xkey },
      // Small values (learning rates) as 5e-5, not 0.00005; the rest as plain numbers.
      y: { field: "value", type: "quantitative", title: null, scale: { zero: false }, axis: { labelExpr: SMALL_AS_EXPONENT } },
      // Only the series that have points: the legend lists what is drawn.
      color: { field: "series", type: "nominal", title: null, scale: { domain: series, range: series.map((x) => (x === "eval" ? "#e45756" : "#4c78a8")) } },
      tooltip: [{ field: "metric" }, { field: "x", title: xkey }, { field: "value", type: "quantitative", format: ".5~g" }],
    },
  });
  return vega_lite({
    data: { values: points },
    vconcat: panels.map(panel_spec),
    autosize: { type: "fit-x", contains: "padding" },
    resolve: { scale: { x: "shared", y: "independent", color: "shared" }, legend: { color: "shared" } },
  }, title);
}

function training_plotly(points: CurvePoint[], panels: string[], xkey: string, title: string, opts: TrainingPlotOptions): Chart {
  const data: Spec[] = [];
  const gap = 0.06, h = (1 - gap * (panels.length - 1)) / panels.length;
  const layout: Spec = { height: (opts.height ?? 140) * panels.length + 140, width: (typeof opts.width === "number" ? opts.width : 480) + 200, showlegend: true, annotations: [] as Spec[] };
  panels.forEach((panel, i) => {
    const axis = i === 0 ? "" : String(i + 1);
    const top = 1 - i * (h + gap);
    layout[`yaxis${axis}`] = { domain: [top - h, top], exponentformat: "e" };
    layout[`xaxis${axis}`] = { anchor: `y${axis}`, matches: i === 0 ? undefined : "x", title: i === panels.length - 1 ? { text: xkey } : undefined };
    layout.annotations.push({ text: `<b>${panel}</b>`, xref: "paper", yref: "paper", x: 0, y: top, xanchor: "left", yanchor: "bottom", showarrow: false });
    for (const metric of [...new Set(points.filter((p) => p.panel === panel).map((p) => p.metric))]) {
      const pts = points.filter((p) => p.metric === metric);
      data.push({ type: "scatter", mode: pts.length <= 60 ? "lines+markers" : "lines", name: metric, x: pts.map((p) => p.x), y: pts.map((p) => p.value), xaxis: `x${axis}`, yaxis: `y${axis}` });
    }
  });
  return plotly(data, layout, title);
}
