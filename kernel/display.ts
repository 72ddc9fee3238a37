// Showing charts from cells: one output per plot as a MIME bundle, in-place updates for live training curves.
// Where it goes, first found: bertlab's own kernel (`globalThis[Symbol.for("bertlab.kernel")].display`),
// tslab's internal display writer (looked up in require.cache, never imported: pinned tslab 1.0.22's
// `lastWriteDisplayData` is internal API), else files in out/plots and a line of text (plain node).
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import type { Chart } from "../plots/chart";
import { is_chart } from "../plots/chart";
import { to_html } from "../plots/render";
import { load_vega } from "../plots/render/esm";
import { plot_training } from "../plots/training_curves";
import type { LogRecord } from "../plots/training_curves";
import { BundleOptions, MimeBundle, chart_bundle, chart_summary } from "./bundle";
import { JUPYTER_DISPLAY, is_displayable } from "../src/utils/displayable";
import { format } from "../src/utils/format";
import { writeFileAtomicSync } from "../src/utils/fs";

type DisplayData = {
  data: { [mime: string]: string | Uint8Array };
  metadata: { [key: string]: string };
  transient: { display_id?: string };
};
export type DisplayWriter = (data: DisplayData, update: boolean) => void;

/** What bertlab's kernel puts on globalThis under Symbol.for("bertlab.kernel") (the contract with kernel/). */
export interface BertlabKernel {
  display(bundle: { data: Record<string, unknown>; metadata?: Record<string, unknown> }, opts?: { display_id?: string; update?: boolean }): void;
  /** Sends clear_output on iopub (IPython.display.clear_output). */
  clear_output?(wait?: boolean): void;
}

/**
 * The global symbol under which bertlab's kernel registers itself in a kernel process (`globalThis[BERTLAB_KERNEL]`).
 */
export const BERTLAB_KERNEL = Symbol.for("bertlab.kernel");

/** bertlab's kernel when this process is one, else null. */
export function bertlab_kernel(): BertlabKernel | null {
  const k = (globalThis as Record<symbol, unknown>)[BERTLAB_KERNEL] as BertlabKernel | undefined;
  return k && typeof k.display === "function" ? k : null;
}

/** tslab's current display writer, or null outside a tslab kernel. */
export function kernel_display_writer(): DisplayWriter | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const w = (mod?.exports as { lastWriteDisplayData?: DisplayWriter | null } | undefined)?.lastWriteDisplayData;
    if (typeof w === "function") return w;
  }
  return null;
}

/** Where displays go: bertlab's kernel, tslab's writer, or nowhere (null: plain node). */
export type DisplayTarget = { kernel: BertlabKernel } | { writer: DisplayWriter };

/** The current display target. Take it before any await: tslab's writer belongs to the running cell. */
export function display_target(): DisplayTarget | null {
  const kernel = bertlab_kernel();
  if (kernel) return { kernel };
  const writer = kernel_display_writer();
  return writer ? { writer } : null;
}

/** True inside a kernel (bertlab's, or tslab once it has started executing cells). */
export function in_kernel(): boolean {
  return display_target() !== null;
}

/** Sends one raw MIME bundle as a display_data (or update_display_data for an existing display_id). */
export function display_bundle(
  data: MimeBundle,
  opts: { display_id?: string; update?: boolean; target?: DisplayTarget | null } = {},
): boolean {
  const target = opts.target === undefined ? display_target() : opts.target;
  if (!target) return false;
  if ("kernel" in target) {
    const o: { display_id?: string; update?: boolean } = {};
    if (opts.display_id) o.display_id = opts.display_id;
    if (opts.update) o.update = true;
    target.kernel.display({ data: data as Record<string, unknown>, metadata: {} }, o);
    return true;
  }
  const w = target.writer;
  // +json values travel as JSON objects (tslab's type says string | Uint8Array; the wire format is JSON).
  w({ data: data as DisplayData["data"], metadata: {}, transient: opts.display_id ? { display_id: opts.display_id } : {} }, !!opts.update);
  return true;
}

/** Options of show: the bundle options plus, outside a kernel, the folder the chart files are written to. */
export type ShowOptions = BundleOptions & {
  /** Outside a kernel: folder for the chart files (default $BERTLAB_PLOTS_DIR or ./out/plots). */
  out_dir?: string;
};

let file_counter = 0;

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "chart";
}

/** Outside a kernel: writes the bundle's files (and a standalone HTML page) and prints where they are. */
async function write_outside(chart: Chart, data: MimeBundle, out_dir: string): Promise<string[]> {
  const base = path.join(out_dir, `${String(++file_counter).padStart(3, "0")}-${slug(chart.title ?? chart.library)}`);
  const files: string[] = [];
  writeFileAtomicSync(`${base}.html`, await to_html(chart, typeof data["image/svg+xml"] === "string" ? { svg: data["image/svg+xml"] as string } : {}));
  files.push(`${base}.html`);
  if (typeof data["image/svg+xml"] === "string") {
    writeFileAtomicSync(`${base}.svg`, data["image/svg+xml"] as string);
    files.push(`${base}.svg`);
  }
  if (typeof data["image/png"] === "string") {
    writeFileAtomicSync(`${base}.png`, Buffer.from(data["image/png"] as string, "base64"));
    files.push(`${base}.png`);
  }
  return files;
}

/**
 * Displays charts: one output per chart, a bundle with the interactive spec (vega-lite / plotly / html),
 * PNG and SVG fallbacks and text/plain. Outside a kernel it writes the chart files and prints their paths.
 * Use `await show(chart)` so the output lands in the running cell.
 */
export async function show(chart: Chart | Chart[], opts: ShowOptions = {}): Promise<void> {
  // Taken before any await: tslab's writer is per cell, and rendering may finish after the next cell began.
  const target = display_target();
  const charts = Array.isArray(chart) ? chart : [chart];
  charts.forEach((c, i) => {
    if (!is_chart(c)) {
      throw new Error(`show: argument${charts.length > 1 ? ` ${i}` : ""} is not a chart (expected {library: "vega-lite"|"plotly"|"html", ...} from a plots builder)`);
    }
  });
  for (const c of charts) {
    const data = await chart_bundle(c, target ? opts : { ...opts, static: opts.static ?? c.library === "vega-lite" });
    if (display_bundle(data, { target })) continue;
    const dir = path.resolve(opts.out_dir ?? process.env.BERTLAB_PLOTS_DIR ?? path.join("out", "plots"));
    try {
      fs.mkdirSync(dir, { recursive: true });
      const files = await write_outside(c, data, dir);
      console.log(`${chart_summary(c)} → ${files.map((f) => path.relative(process.cwd(), f) || f).join(", ")}`);
    } catch (e) {
      console.log(`${chart_summary(c)} (not in a notebook; could not write files: ${(e as Error).message})`);
    }
  }
}

/**
 * The MIME bundle of a value, as a kernel shows a cell's last value: its `[Symbol.for("Jupyter.display")]()`
 * (awaited; bertlab's tensors, tokenizer outputs, model outputs and charts have one, as may any object written
 * for Deno's kernel), a chart built by hand, or null (the kernel then prints it as text).
 */
export async function mime_bundle(value: unknown): Promise<MimeBundle | null> {
  if (is_displayable(value)) {
    const b = await value[JUPYTER_DISPLAY]();
    if (typeof b !== "object" || b === null || Array.isArray(b)) {
      throw new Error(`[Symbol.for("Jupyter.display")]() must return a MIME bundle object like { "text/plain": "..." }, got ${b === null ? "null" : typeof b}`);
    }
    return b;
  }
  return is_chart(value) ? chart_bundle(value) : null;
}

/** IPython's display() keywords: `display_id` (a string, or true for a new one) makes the output updatable. */
export type DisplayOptions = { display_id: string | true };

/** IPython's DisplayHandle: the display made by `display(obj, { display_id })`, to update in place. */
export class DisplayHandle {
  constructor(readonly display_id: string) {}
  /** Replaces the display's content (IPython's `handle.update(obj)`). */
  update(value: unknown): Promise<void> {
    return update_display(value, { display_id: this.display_id });
  }
  /** Shows the value as a new output with this display_id (IPython's `handle.display(obj)`). */
  display(value: unknown): Promise<DisplayHandle> {
    return display(value, { display_id: this.display_id });
  }
  toString(): string {
    return `<DisplayHandle display_id=${this.display_id}>`;
  }
}

function is_display_options(v: unknown): v is DisplayOptions {
  if (v === null || typeof v !== "object" || Object.getPrototypeOf(v) !== Object.prototype) return false;
  const keys = Object.keys(v);
  const id = (v as { display_id?: unknown }).display_id;
  return keys.length === 1 && keys[0] === "display_id" && (typeof id === "string" || id === true);
}

async function value_data(v: unknown): Promise<MimeBundle> {
  return (await mime_bundle(v)) ?? { "text/plain": format(v) };
}

/**
 * IPython's `display(obj, ...)`: one output per value, rich where the value has a MIME bundle (see
 * `mime_bundle`), else its text. Outside a kernel it prints the text/plain. Use `await display(x)`.
 * `await display(x, { display_id: true })` (or a string id) returns a DisplayHandle: `handle.update(y)` redraws
 * that output in place, as does `update_display(y, { display_id })`.
 */
export async function display(value: unknown, opts: DisplayOptions): Promise<DisplayHandle>;
export async function display(...values: unknown[]): Promise<void>;
export async function display(...values: unknown[]): Promise<DisplayHandle | void> {
  const target = display_target();
  const opts = values.length >= 2 && is_display_options(values[values.length - 1]) ? (values.pop() as DisplayOptions) : null;
  const display_id = opts ? (opts.display_id === true ? randomBytes(16).toString("hex") : opts.display_id) : undefined;
  for (const v of values) {
    const data = await value_data(v);
    if (!display_bundle(data, { target, display_id })) console.log(typeof data["text/plain"] === "string" ? data["text/plain"] : format(v));
  }
  return display_id ? new DisplayHandle(display_id) : undefined;
}

/** IPython's `update_display(obj, display_id=...)`: replaces the output that display(…, { display_id }) made. */
export async function update_display(value: unknown, opts: { display_id: string }): Promise<void> {
  if (!opts || typeof opts.display_id !== "string" || !opts.display_id) {
    throw new Error("update_display: expected { display_id: string } naming the display to update (from display(obj, { display_id }))");
  }
  const target = display_target();
  const data = await value_data(value);
  if (!display_bundle(data, { target, display_id: opts.display_id, update: true })) console.log(typeof data["text/plain"] === "string" ? data["text/plain"] : format(value));
}

/**
 * IPython's `clear_output(wait=False)`: clears the running cell's output; `{ wait: true }` waits until new output
 * arrives (no flicker when redrawing in a loop). Nothing happens outside bertlab's kernel.
 */
export function clear_output(opts: { wait?: boolean } | boolean = {}): void {
  const wait = typeof opts === "boolean" ? opts : !!opts?.wait;
  bertlab_kernel()?.clear_output?.(wait);
}

/** HF-style log entry ({ loss, learning_rate, grad_norm, epoch, step, eval_* }). */
export type LogEntry = { [key: string]: unknown };

/** Options of live (a chart redrawn as training logs arrive): the bundle options plus the minimum time between redraws. */
export type LiveOptions = BundleOptions & {
  /** Minimum milliseconds between redraws (default 500); a throttled update is drawn when the interval ends. */
  every_ms?: number;
};

type StateLike = { log_history?: LogEntry[] } | undefined;

/**
 * A chart that redraws in place (one display, updated by display_id) as data arrives. Shaped like an HF
 * TrainerCallback (hooks return nothing; drawing runs in the background): pass it in the Trainer's `callbacks`
 * and it redraws from `state.log_history` on every `on_log`. `await live_chart.flush()` waits for the last drawing.
 */
export class LiveChart {
  readonly display_id = randomBytes(8).toString("hex");
  log_history: LogEntry[] = [];
  /** The last drawing error (drawing runs in the background, so it is kept here and printed once). */
  error: Error | null = null;
  private shown = false;
  private last_draw = 0;
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private builder: (log_history: LogEntry[]) => Chart, private opts: LiveOptions = {}) {
    // Start loading vega now: a Trainer's loop yields only briefly between steps, too little for the ESM load.
    load_vega().catch(() => undefined);
  }

  /**
   * Inside a kernel, puts the (empty) display in the running cell synchronously, from the hook itself: drawing is
   * asynchronous and may finish after the cell has ended, when frontends no longer accept new outputs for it
   * but still apply update_display_data by display_id.
   */
  private ensure_display(): void {
    if (this.shown) return;
    if (display_bundle({ "text/plain": "<live chart: waiting for the first log entry>" }, { display_id: this.display_id })) {
      this.shown = true;
    }
  }

  /** Replace the data and redraw: at once, or when the throttle interval ends. */
  update(log_history: LogEntry[], force = false): void {
    this.log_history = log_history;
    this.dirty = true;
    const wait = (this.opts.every_ms ?? 500) - (Date.now() - this.last_draw);
    if (force || this.last_draw === 0 || wait <= 0) {
      this.draw();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.draw(), wait);
      this.timer.unref?.();
    }
  }

  /** Draws pending data now and resolves when every drawing so far is on screen. */
  flush(): Promise<void> {
    if (this.dirty) this.draw();
    return this.chain;
  }

  private draw(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty = false;
    this.last_draw = Date.now();
    const history = this.log_history.slice();
    this.chain = this.chain.then(async () => {
      try {
        const chart = this.builder(history);
        const data = await chart_bundle(chart, this.opts);
        if (display_bundle(data, { display_id: this.display_id, update: this.shown })) {
          this.shown = true;
        } else if (!this.shown) {
          console.log(`${chart_summary(chart)} (live; not in a notebook, ${history.length} log entries)`);
          this.shown = true;
        }
      } catch (e) {
        if (!this.error) console.error(`live chart: drawing failed: ${(e as Error).message}`);
        this.error = e as Error;
      }
    });
  }

  // TrainerCallback hooks. bertlab's Trainer passes (args, state, control, { logs }); HF-style (…, logs) works too.
  on_train_begin(): void {
    this.ensure_display();
  }
  on_log(_args: unknown, state: StateLike, _control?: unknown, event?: { logs?: LogEntry } | LogEntry): void {
    this.ensure_display();
    const logs = event && typeof event.logs === "object" ? (event.logs as LogEntry) : (event as LogEntry | undefined);
    this.update(state?.log_history ?? (logs ? [...this.log_history, logs] : this.log_history));
  }
  on_train_end(_args: unknown, state: StateLike): void {
    this.ensure_display();
    this.update(state?.log_history ?? this.log_history, true);
  }
}

/**
 * `live()` → a TrainerCallback that keeps one training-curve display (loss, learning rate, grad norm, eval
 * metrics from `plot_training`) up to date; `live(log_history => chart)` draws anything else.
 */
export function live(builder?: (log_history: LogEntry[]) => Chart, opts: LiveOptions = {}): LiveChart {
  if (builder !== undefined && typeof builder !== "function") {
    throw new Error("live: expected a chart builder function (log_history) => Chart, or nothing for training curves");
  }
  return new LiveChart(builder ?? ((h) => plot_training(h as LogRecord[])), opts);
}
