// Download progress: a cli-progress bar on stderr drawn like the tqdm bar of transformers' downloads
//   Downloading: 100%|██████████| 433M/433M [00:10<00:00, 43.3MB/s]
// shown only on a TTY (or when forced), plus an optional callback for notebooks that receives
// transformers.js-style events: initiate → download → progress… → done.
import { SingleBar } from "cli-progress";

/** One download progress event (as transformers.js' progress_callback): status, model id, file, bytes loaded and total. */
export interface ProgressInfo {
  status: "initiate" | "download" | "progress" | "done";
  /** The model id. */
  name: string;
  /** The file in the repo. */
  file: string;
  /** Bytes received so far ("progress" and "done"). */
  loaded?: number;
  /** Expected bytes, when the server said. */
  total?: number;
  /** Percent 0–100 ("progress"). */
  progress?: number;
}

/** Receives download progress events (a from_pretrained / hf_hub_download `progress_callback`, as transformers.js). */
export type ProgressCallback = (info: ProgressInfo) => void;

export interface ProgressOptions {
  /** true: always draw the bar (even when stderr is not a TTY); false: never; default: only on a TTY. */
  progress_bar?: boolean;
  /** Receives progress events (e.g. to draw a bar in a notebook). */
  progress_callback?: ProgressCallback;
  /** Where the bar goes (default process.stderr). */
  stream?: NodeJS.WritableStream;
}

/** tqdm's format_sizeof (divisor 1000, 3 significant digits): 0 → "0.00", 29 → "29.0", 213450 → "213k", 1.33e9 → "1.33G". */
export function format_sizeof(num: number): string {
  for (const unit of ["", "k", "M", "G", "T", "P", "E", "Z"]) {
    if (Math.abs(num) < 999.5) {
      if (Math.abs(num) < 99.95) return (Math.abs(num) < 9.995 ? num.toFixed(2) : num.toFixed(1)) + unit;
      return num.toFixed(0) + unit;
    }
    num /= 1000;
  }
  return `${num.toFixed(1)}Y`;
}

/** tqdm's format_interval: "MM:SS", or "H:MM:SS" past an hour. */
export function format_interval(seconds: number): string {
  const t = Math.max(0, Math.floor(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const mmss = `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return h ? `${h}:${mmss}` : mmss;
}

/** The bar as tqdm draws it: full blocks, one partial block (eighths), spaces. */
export function format_bar(fraction: number, width = 10): string {
  const f = Math.min(1, Math.max(0, fraction)) * width;
  const full = Math.floor(f);
  if (full >= width) return "█".repeat(width);
  const partial = " ▏▎▍▌▋▊▉"[Math.floor((f - full) * 8)];
  return "█".repeat(full) + partial + " ".repeat(width - full - 1);
}

/** One tqdm line, as the seed walkthrough shows: "Downloading: 100%|██████████| 433M/433M [00:10<00:00, 43.3MB/s]". */
export function format_progress_line(desc: string, loaded: number, total: number | undefined, elapsed_s: number): string {
  const rate = elapsed_s > 0 && loaded > 0 ? loaded / elapsed_s : undefined;
  const remaining = rate && total ? format_interval((total - loaded) / rate) : "?";
  const rateFmt = rate ? `${format_sizeof(rate)}B/s` : "?B/s";
  if (!total) return `${desc}: ${format_sizeof(loaded)} [${format_interval(elapsed_s)}, ${rateFmt}]`;
  const pct = String(Math.floor((100 * loaded) / total)).padStart(3);
  return `${desc}: ${pct}%|${format_bar(loaded / total)}| ${format_sizeof(loaded)}/${format_sizeof(total)} [${format_interval(elapsed_s)}<${remaining}, ${rateFmt}]`;
}

export class DownloadProgress {
  private bar: SingleBar | null = null;
  private readonly start = Date.now();
  private lastEmit = 0;

  constructor(
    readonly name: string,
    readonly file: string,
    readonly total: number | undefined,
    private readonly options: ProgressOptions & { show_bar_default: boolean },
  ) {
    const stream = options.stream ?? process.stderr;
    const show = options.progress_bar ?? options.show_bar_default;
    if (show) {
      const started = this.start;
      this.bar = new SingleBar({
        stream,
        noTTYOutput: options.progress_bar === true,
        hideCursor: false,
        clearOnComplete: false,
        format: (_opts, params) => format_progress_line("Downloading", params.value, total, (Date.now() - started) / 1000),
      });
      this.bar.start(total ?? 0, 0);
    }
    this.emit({ status: "initiate", name, file });
    this.emit({ status: "download", name, file, total });
  }

  update(loaded: number): void {
    this.bar?.update(loaded);
    const now = Date.now();
    if (now - this.lastEmit >= 50 || loaded === this.total) {
      this.lastEmit = now;
      const progress = this.total ? (100 * loaded) / this.total : undefined;
      this.emit({ status: "progress", name: this.name, file: this.file, loaded, total: this.total, progress });
    }
  }

  /** Stops the bar; `ok` false leaves it where it stopped (an interrupted download). */
  stop(loaded: number, ok: boolean): void {
    if (this.bar) {
      if (ok) this.bar.update(loaded);
      this.bar.stop();
      this.bar = null;
    }
    if (ok) this.emit({ status: "done", name: this.name, file: this.file, loaded, total: this.total ?? loaded });
  }

  private emit(info: ProgressInfo): void {
    this.options.progress_callback?.(info);
  }
}
