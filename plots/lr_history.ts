// The learning rate a live run actually used: from an lr history, a Trainer's log_history, or a LambdaLR.
import { Chart, plotly, vega_lite } from "./chart";
import { to_plain } from "./data";
import { LrPlotOptions, lr_label_expr, plot_lr_schedules } from "./schedules";

/** What plot_lr_history and lr_history_points take: learning rates per step, Trainer log records, an object holding them, or a LambdaLR. */
export type LrHistory =
  | number[]
  | { step?: number; lr?: number; learning_rate?: number }[]
  | { lr_history?: unknown; history?: unknown; get_lr_history?: () => unknown }
  | { lr_lambdas: ((step: number) => number)[]; base_lrs: number[]; last_epoch: number };

/**
 * Points (step, lr) from an lr history: numbers, `{ step, lr | learning_rate }` records (a Trainer's log_history),
 * an object holding one (`lr_history`, `history`, `get_lr_history()`), or a LambdaLR scheduler (steps 0..last_epoch).
 */
export function lr_history_points(history: LrHistory): { step: number; lr: number }[] {
  let h: unknown = to_plain(history);
  const sched = history as { lr_lambdas?: unknown; base_lrs?: unknown; last_epoch?: unknown };
  if (!Array.isArray(h) && Array.isArray(sched?.lr_lambdas) && Array.isArray(sched.base_lrs) && typeof sched.last_epoch === "number") {
    // A LambdaLR: the lr it set at every step so far (first param group): base_lr × lambda(step).
    const f = sched.lr_lambdas[0] as (step: number) => number, base = sched.base_lrs[0] as number;
    return Array.from({ length: sched.last_epoch + 1 }, (_, step) => ({ step, lr: base * f(step) }));
  }
  if (!Array.isArray(h) && typeof h === "object" && h !== null) {
    const o = history as { lr_history?: unknown; history?: unknown; get_lr_history?: () => unknown };
    h = typeof o.get_lr_history === "function" ? o.get_lr_history() : o.lr_history ?? o.history;
  }
  if (!Array.isArray(h)) throw new Error("plot_lr_history: expected number[], { step, lr }[] (or learning_rate), or an object with lr_history / get_lr_history()");
  return h.flatMap((e, i) => {
    if (typeof e === "number") return [{ step: i, lr: e }];
    if (typeof e === "object" && e !== null) {
      const r = e as { step?: number; lr?: number; learning_rate?: number };
      const lr = r.lr ?? r.learning_rate;
      if (typeof lr !== "number") return []; // e.g. eval records in a log_history
      return [{ step: typeof r.step === "number" ? r.step : i, lr }];
    }
    throw new Error(`plot_lr_history: entry ${i} is ${typeof e}, expected a number or a { step, lr } record`);
  });
}

/** The learning rate a live optimizer/scheduler actually used, step by step. */
export function plot_lr_history(history: LrHistory, opts: LrPlotOptions & { name?: string } = {}): Chart {
  const pts = lr_history_points(history);
  if (pts.length === 0) throw new Error("plot_lr_history: the history has no learning-rate entries yet");
  const steps = pts.map((p) => p.step);
  const contiguous = steps.every((s, i) => s === i);
  const name = opts.name ?? "lr";
  if (contiguous) return plot_lr_schedules([{ name, values: pts.map((p) => p.lr) }], { title: "Learning rate (optimizer history)", ...opts });
  const title = opts.title ?? "Learning rate (optimizer history)";
  if (opts.library === "plotly") {
    return plotly([{ type: "scatter", mode: "lines", name, x: steps, y: pts.map((p) => p.lr) }], { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "learning rate" } } }, title);
  }
  return vega_lite({
    width: opts.width ?? "container", height: opts.height ?? 260, autosize: { type: "fit-x", contains: "padding" },
    data: { values: pts.map((p) => ({ ...p, schedule: name })) },
    mark: { type: "line", point: pts.length <= 50 },
    encoding: {
      x: { field: "step", type: "quantitative", title: "step" },
      y: { field: "lr", type: "quantitative", title: "learning rate", axis: { labelExpr: lr_label_expr(pts.map((p) => p.lr)) } },
      color: { field: "schedule", type: "nominal", title: "schedule" },
      tooltip: [{ field: "step", type: "quantitative" }, { field: "lr", type: "quantitative", format: ".4~g" }],
    },
  }, title);
}
