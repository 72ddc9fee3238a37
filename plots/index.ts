// bertlab plots: pure builders (plain numbers/strings → Chart) and renderers (Chart → SVG / PNG / HTML).
export { vega_lite, plotly, is_chart, VEGA_LITE_SCHEMA } from "./chart";
export type { Chart, VegaLiteChart, PlotlyChart, HtmlChart, Library, Spec } from "./chart";
export { softmax, percent, py_round } from "./data";
export type { TensorLike, ScoreFunction } from "./data";
export { plot_lr_schedules, plot_schedules, plot_lr_history, lr_history_points, series_label, HF_SCHEDULE_NAMES } from "./schedules";
export type { LrSeries, LrPlotOptions, LrLambdaFactory, ScheduleOptions, PlotSchedulesOptions, LrHistory } from "./schedules";
export * from "./render";
