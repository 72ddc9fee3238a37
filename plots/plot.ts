// matplotlib's everyday calls as pure chart builders (numbers → vega-lite), for the `plt.plot(losses)` habit:
//   plot(losses)                      plt.plot(losses)
//   plot(steps, losses, { label })    plt.plot(steps, losses, label="train")
//   plot([{ y: a, label: "train" }, { x, y: b, label: "eval" }], { yscale: "log" })   several lines, log axis
//   scatter(x, y)  bar(labels, heights)  hist(values, { bins })  heatmap(matrix, { x, y })
//   subplots([plot(a), hist(b)], { columns: 2 })   plt.subplots: charts side by side / in a grid
// Arrays, typed arrays and tensors (anything with arraySync) are accepted; non-finite points are left out (as
// matplotlib leaves a gap) and said in the chart's `dropped` count. Charts render as every bertlab chart does
// (a cell's value or show(): spec + PNG + SVG + text; to_svg / to_png / the HTML report).
import { Chart, Spec, VegaLiteChart, vega_lite } from "./chart";
import { describe_shape, matrix, range, to_plain } from "./data";

/** Numbers plot() accepts: an array, a typed array or a tensor (anything with arraySync). */
export type Numbers = ArrayLike<number> | { arraySync(): unknown; shape: number[] };
/** An axis scale, as matplotlib's xscale / yscale: "linear", "log" or "symlog". */
export type Scale = "linear" | "log" | "symlog";

/** Options every plot() family builder takes: title, xlabel / ylabel, xscale / yscale, width, height. */
export interface PlotOptions {
  title?: string;
  /** matplotlib's xlabel / ylabel (default "x" / "y", or the series' names). */
  xlabel?: string;
  ylabel?: string;
  /** plt.xscale / plt.yscale: "linear" (default), "log" (positive values only) or "symlog". */
  xscale?: Scale;
  yscale?: Scale;
  /** Pixels, or "container" (default): the cell's width in a frontend, 640 in PNG / SVG. */
  width?: number | "container";
  height?: number;
}

/** plot()'s options: PlotOptions plus the series label and point markers. */
export interface LineOptions extends PlotOptions {
  /** The series' name in the legend (plt.plot(..., label=)). */
  label?: string;
  /** Draw the points too (matplotlib's marker="o"). */
  marker?: boolean;
}

/** One line of a multi-series plot: y, optional x (default 0, 1, 2...), optional label. */
export interface Series {
  x?: Numbers;
  y: Numbers;
  label?: string;
}

/** A chart from plot(): its spec, and how many non-finite points were left out. */
export type PlotChart = VegaLiteChart & { dropped: number };

function numbers(v: unknown, fn: string, name: string): number[] {
  const plain = to_plain(v);
  if (!Array.isArray(plain)) throw new TypeError(`${fn}: ${name} must be an array of numbers or a tensor, got ${plain === null ? "null" : typeof plain}`);
  let flat = plain as unknown[];
  // a [1, n] or [n, 1] tensor (a batch axis) reads as its n values
  if (flat.length > 0 && Array.isArray(flat[0])) {
    const rows = flat as unknown[][];
    if (rows.length === 1) flat = rows[0];
    else if (rows.every((r) => Array.isArray(r) && r.length === 1)) flat = rows.map((r) => r[0]);
    else throw new TypeError(`${fn}: ${name} must be 1-D, got shape ${describe_shape(plain)} (for several lines pass a list of { y, label } series; for a matrix use heatmap)`);
  }
  if (flat.some((e) => typeof e !== "number")) throw new TypeError(`${fn}: ${name} must hold numbers, got ${JSON.stringify(flat.find((e) => typeof e !== "number"))}`);
  return flat as number[];
}

function axis_scale(s: Scale | undefined, fn: string, which: string): Spec | undefined {
  if (s === undefined || s === "linear") return undefined;
  if (s === "log") return { type: "log" };
  if (s === "symlog") return { type: "symlog" };
  throw new Error(`${fn}: ${which} must be "linear", "log" or "symlog", got ${JSON.stringify(s)}`);
}

function size(o: PlotOptions): Spec {
  return { width: o.width ?? "container", height: o.height ?? 260 };
}

function is_numbers(v: unknown): v is Numbers {
  return Array.isArray(v) || ArrayBuffer.isView(v) || (typeof v === "object" && v !== null && typeof (v as { arraySync?: unknown }).arraySync === "function");
}

function is_series_list(v: unknown): v is Series[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "object" && s !== null && !Array.isArray(s) && "y" in s);
}

/** Points of one series, with the non-finite ones (and, on a log axis, the non-positive ones) left out. */
function points(s: Series, i: number, fn: string, o: PlotOptions): { rows: Spec[]; dropped: number } {
  const y = numbers(s.y, fn, `series ${i} y`);
  const x = s.x === undefined ? range(y.length) : numbers(s.x, fn, `series ${i} x`);
  if (x.length !== y.length) throw new Error(`${fn}: x and y must have the same length (series ${i}: ${x.length} x values, ${y.length} y values)`);
  const rows: Spec[] = [];
  let dropped = 0;
  const label = s.label ?? (i === 0 ? "y" : `y${i}`);
  x.forEach((xv, k) => {
    const yv = y[k];
    const bad = !Number.isFinite(xv) || !Number.isFinite(yv) || (o.yscale === "log" && yv <= 0) || (o.xscale === "log" && xv <= 0);
    if (bad) dropped++;
    else rows.push({ x: xv, y: yv, series: label });
  });
  return { rows, dropped };
}

/**
 * matplotlib's `plt.plot`: `plot(y)`, `plot(x, y)`, `plot(y, { label })`, `plot(x, y, { label, yscale: "log" })`,
 * or several lines `plot([{ y: train, label: "train" }, { x: steps, y: evals, label: "eval" }])`.
 * @example
 * ```ts
 * await show(plot(losses, { label: "train", yscale: "log", xlabel: "step" }))
 * ```
 */
export function plot(y: Numbers, options?: LineOptions): PlotChart;
export function plot(x: Numbers, y: Numbers, options?: LineOptions): PlotChart;
export function plot(series: Series[], options?: LineOptions): PlotChart;
export function plot(a: Numbers | Series[], b?: Numbers | LineOptions, c?: LineOptions): PlotChart {
  let series: Series[];
  let o: LineOptions;
  if (is_series_list(a)) {
    series = a;
    o = (b as LineOptions | undefined) ?? {};
  } else if (b !== undefined && is_numbers(b)) {
    o = c ?? {};
    series = [{ x: a as Numbers, y: b, label: o.label }];
  } else {
    o = (b as LineOptions | undefined) ?? {};
    series = [{ y: a as Numbers, label: o.label }];
  }
  if (!is_numbers(a) && !is_series_list(a)) throw new TypeError(`plot: expected y values (an array or a tensor), x and y, or a list of { x?, y, label? } series; got ${a === null ? "null" : typeof a}`);
  let dropped = 0;
  const values = series.flatMap((s, i) => {
    const p = points(s, i, "plot", o);
    dropped += p.dropped;
    return p.rows;
  });
  const several = series.length > 1 || series.some((s) => s.label !== undefined);
  const spec: Spec = {
    ...size(o),
    data: { values },
    mark: { type: "line", point: o.marker ?? false, tooltip: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: o.xlabel ?? "x", scale: axis_scale(o.xscale, "plot", "xscale") },
      y: { field: "y", type: "quantitative", title: o.ylabel ?? (several ? null : "y"), scale: axis_scale(o.yscale, "plot", "yscale") },
      ...(several ? { color: { field: "series", type: "nominal", title: null, sort: series.map((s, i) => s.label ?? (i === 0 ? "y" : `y${i}`)) } } : {}),
    },
  };
  return Object.assign(vega_lite(clean(spec), o.title), { dropped }) as PlotChart;
}

/** matplotlib's `plt.scatter(x, y)`: points, optionally coloured by a `c` value per point (its colorbar) and labelled. */
export function scatter(x: Numbers, y: Numbers, options: PlotOptions & { label?: string; c?: Numbers; s?: number } = {}): PlotChart {
  const xs = numbers(x, "scatter", "x"), ys = numbers(y, "scatter", "y");
  if (xs.length !== ys.length) throw new Error(`scatter: x and y must be the same size (${xs.length} x values, ${ys.length} y values)`);
  const cs = options.c === undefined ? null : numbers(options.c, "scatter", "c");
  if (cs && cs.length !== xs.length) throw new Error(`scatter: c must have one value per point (${cs.length} for ${xs.length} points)`);
  let dropped = 0;
  const values: Spec[] = [];
  xs.forEach((xv, i) => {
    const ok = Number.isFinite(xv) && Number.isFinite(ys[i]) && (options.yscale !== "log" || ys[i] > 0) && (options.xscale !== "log" || xv > 0);
    if (!ok) dropped++;
    else values.push({ x: xv, y: ys[i], ...(cs ? { c: cs[i] } : {}), ...(options.label ? { series: options.label } : {}) });
  });
  const spec: Spec = {
    ...size(options),
    data: { values },
    mark: { type: "point", filled: true, size: options.s ?? 40, tooltip: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: options.xlabel ?? "x", scale: axis_scale(options.xscale, "scatter", "xscale") },
      y: { field: "y", type: "quantitative", title: options.ylabel ?? "y", scale: axis_scale(options.yscale, "scatter", "yscale") },
      ...(cs ? { color: { field: "c", type: "quantitative", title: "c", scale: { scheme: "viridis" } } } : options.label ? { color: { field: "series", type: "nominal", title: null } } : {}),
    },
  };
  return Object.assign(vega_lite(clean(spec), options.title), { dropped }) as PlotChart;
}

/** matplotlib's `plt.bar(labels, heights)`: one bar per label (labels keep their order). */
export function bar(labels: (string | number)[], heights: Numbers, options: PlotOptions = {}): PlotChart {
  if (!Array.isArray(labels)) throw new TypeError(`bar: labels must be an array (of strings or numbers), got ${typeof labels}`);
  const hs = numbers(heights, "bar", "heights");
  if (labels.length !== hs.length) throw new Error(`bar: ${labels.length} labels but ${hs.length} heights`);
  const names = labels.map(String);
  if (new Set(names).size !== names.length) throw new Error(`bar: labels must be distinct (${names.find((n, i) => names.indexOf(n) !== i)} appears twice)`);
  let dropped = 0;
  const values = names.flatMap((label, i) => (Number.isFinite(hs[i]) ? [{ label, height: hs[i] }] : (dropped++, [])));
  const spec: Spec = {
    ...size(options),
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "label", type: "nominal", sort: names, title: options.xlabel ?? null, axis: { labelAngle: names.some((n) => n.length > 6) ? -40 : 0 } },
      y: { field: "height", type: "quantitative", title: options.ylabel ?? null, scale: axis_scale(options.yscale, "bar", "yscale") },
    },
  };
  return Object.assign(vega_lite(clean(spec), options.title), { dropped }) as PlotChart;
}

/** The bin edges matplotlib's `hist(values, bins)` uses: `bins` equal-width bins from min to max (or `range`). */
export function hist_bins(values: number[], bins: number, span?: [number, number]): { edges: number[]; counts: number[] } {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`hist: bins must be an integer >= 1, got ${bins}`);
  let [lo, hi] = span ?? [Math.min(...values), Math.max(...values)];
  if (values.length === 0 && !span) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5]; // numpy's rule for a single value
  const edges = range(bins + 1).map((i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (v < lo || v > hi) continue;
    const k = v === hi ? bins - 1 : Math.floor(((v - lo) / (hi - lo)) * bins); // the last bin is closed, as numpy's
    counts[Math.min(k, bins - 1)]++;
  }
  return { edges, counts };
}

/** matplotlib's `plt.hist(values, bins=10)`: counts in equal-width bins (numpy.histogram's edges). */
export function hist(values: Numbers, options: PlotOptions & { bins?: number; range?: [number, number]; density?: boolean } = {}): PlotChart {
  const all = numbers(values, "hist", "values");
  const finite = all.filter(Number.isFinite);
  const { edges, counts } = hist_bins(finite, options.bins ?? 10, options.range);
  const total = counts.reduce((a, b) => a + b, 0);
  const rows = counts.map((n, i) => ({ start: edges[i], end: edges[i + 1], count: options.density ? n / Math.max(1, total) / (edges[i + 1] - edges[i]) : n }));
  const spec: Spec = {
    ...size(options),
    data: { values: rows },
    mark: { type: "bar", tooltip: true, stroke: "white", strokeWidth: 0.5 },
    encoding: {
      x: { field: "start", type: "quantitative", bin: { binned: true, step: edges[1] - edges[0] }, title: options.xlabel ?? "value" },
      x2: { field: "end" },
      y: { field: "count", type: "quantitative", title: options.ylabel ?? (options.density ? "density" : "count"), scale: axis_scale(options.yscale, "hist", "yscale") },
    },
  };
  return Object.assign(vega_lite(clean(spec), options.title), { dropped: all.length - finite.length }) as PlotChart;
}

/** matplotlib's `plt.imshow(m)` / seaborn's `heatmap(m, xticklabels=, yticklabels=)`: rows top to bottom. */
export function heatmap(m: unknown, options: PlotOptions & { x?: (string | number)[]; y?: (string | number)[]; scheme?: string; annotate?: boolean } = {}): PlotChart {
  const rows = matrix(m, "heatmap");
  const nx = rows[0]?.length ?? 0;
  const xs = (options.x ?? range(nx)).map(String), ys = (options.y ?? range(rows.length)).map(String);
  if (xs.length !== nx) throw new Error(`heatmap: x has ${xs.length} labels for ${nx} columns`);
  if (ys.length !== rows.length) throw new Error(`heatmap: y has ${ys.length} labels for ${rows.length} rows`);
  // duplicate labels would merge cells: keep them apart with their index
  const uniq = (l: string[]) => (new Set(l).size === l.length ? l : l.map((s, i) => `${i}: ${s}`));
  const ux = uniq(xs), uy = uniq(ys);
  let dropped = 0;
  const values = rows.flatMap((r, i) => r.flatMap((v, j) => (Number.isFinite(v) ? [{ x: ux[j], y: uy[i], value: v }] : (dropped++, []))));
  const layers: Spec[] = [{ mark: { type: "rect", tooltip: true }, encoding: { color: { field: "value", type: "quantitative", title: null, scale: { scheme: options.scheme ?? "viridis" } } } }];
  if (options.annotate) layers.push({ mark: { type: "text", fontSize: 10 }, encoding: { text: { field: "value", type: "quantitative", format: ".2f" } } });
  const spec: Spec = {
    width: options.width ?? { step: Math.max(12, Math.min(40, Math.floor(600 / Math.max(1, nx)))) },
    height: options.height ?? { step: Math.max(12, Math.min(40, Math.floor(400 / Math.max(1, rows.length)))) },
    data: { values },
    encoding: {
      x: { field: "x", type: "ordinal", sort: ux, title: options.xlabel ?? null },
      y: { field: "y", type: "ordinal", sort: uy, title: options.ylabel ?? null },
    },
    layer: layers,
  };
  return Object.assign(vega_lite(spec, options.title), { dropped }) as PlotChart;
}

/** matplotlib's `plt.subplots`: vega-lite charts in a grid (`columns` per row; default all in one row). */
export function subplots(charts: Chart[], options: { columns?: number; title?: string } = {}): VegaLiteChart {
  if (!Array.isArray(charts) || charts.length === 0) throw new TypeError("subplots: expected a non-empty list of charts, e.g. subplots([plot(losses), hist(grads)])");
  const specs = charts.map((c, i) => {
    if (!c || c.library !== "vega-lite") throw new TypeError(`subplots: chart ${i} is ${c && typeof c === "object" && "library" in c ? `a ${c.library} chart` : typeof c}; subplots combines vega-lite charts (plot, scatter, bar, hist, heatmap and bertlab's vega-lite plots)`);
    const { $schema: _schema, ...rest } = c.spec;
    // "container" width does not size a cell of a grid: give each panel a fixed width
    return rest.width === "container" ? { ...rest, width: 300 } : rest;
  });
  const columns = options.columns ?? specs.length;
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`subplots: columns must be an integer >= 1, got ${columns}`);
  return vega_lite({ concat: specs, columns, resolve: { scale: { color: "independent" } } }, options.title);
}

/** Drops undefined scale entries so specs stay minimal JSON. */
function clean(spec: Spec): Spec {
  const enc = spec.encoding as Record<string, Spec>;
  for (const ch of Object.values(enc)) if (ch && ch.scale === undefined) delete ch.scale;
  return spec;
}
