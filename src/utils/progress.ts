// Download progress: a cli-progress bar on stderr in huggingface_hub's style
//   model.safetensors: 100%|████████████████| 433M/433M [00:10<00:00, 43.3MB/s]
// shown only on a TTY (or when forced), plus an optional callback for notebooks that receives
// transformers.js-style events: initiate → download → progress… → done.
import { SingleBar } from "cli-progress";

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

export type ProgressCallback = (info: ProgressInfo) => void;

export interface ProgressOptions {
  /** true: always draw the bar (even when stderr is not a TTY); false: never; default: only on a TTY. */
  progress_bar?: boolean;
  /** Receives progress events (e.g. to draw a bar in a notebook). */
  progress_callback?: ProgressCallback;
  /** Where the bar goes (default process.stderr). */
  stream?: NodeJS.WritableStream;
}

/** "433M", "1.2G", "12.5k" — the units tqdm prints. */
export function format_bytes(n: number): string {
  const units = ["", "k", "M", "G", "T"];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 ? n.toFixed(0) : n >= 100 ? n.toFixed(0) : n.toFixed(1)}${units[u]}`;
}

function clock(s: number): string {
  if (!Number.isFinite(s)) return "??:??";
  s = Math.max(0, Math.round(s));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
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
        barsize: 30,
        format: (opts, params) => {
          const elapsed = (Date.now() - started) / 1000;
          const rate = elapsed > 0 ? params.value / elapsed : 0;
          const pct = params.total > 0 ? Math.floor((100 * params.value) / params.total) : 0;
          const filled = Math.round((opts.barsize ?? 30) * Math.min(1, params.total > 0 ? params.value / params.total : 0));
          const bar = "█".repeat(filled) + " ".repeat((opts.barsize ?? 30) - filled);
          const eta = rate > 0 && params.total > 0 ? (params.total - params.value) / rate : NaN;
          return `${file}: ${String(pct).padStart(3)}%|${bar}| ${format_bytes(params.value)}/${params.total > 0 ? format_bytes(params.total) : "?"} [${clock(elapsed)}<${clock(eta)}, ${format_bytes(rate)}B/s]`;
        },
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
