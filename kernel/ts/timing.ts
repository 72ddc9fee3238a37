// IPython's timing magics' arithmetic and text: `_format_time` (3 significant digits, s / ms / µs / ns, or
// "1min 5s" past a minute), `%time`'s "CPU times: user …, sys: …, total: …\nWall time: …", `%timeit`'s auto-chosen
// loop count (Python's Timer.autorange: 1, 2, 5, 10, 20, 50, … loops until one run takes ≥ 0.2 s) and its
// TimeitResult ("1.23 ms ± 45.6 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)").
import * as util from "util";

/** C's `%.*g`: `p` significant digits, trailing zeros dropped, exponent form when the exponent is < -4 or ≥ p. */
export function format_g(x: number, p: number): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(p)))));
  if (exp < -4 || exp >= p) {
    const [m, e] = x.toExponential(p - 1).split("e");
    const en = Number(e);
    return `${m.includes(".") ? m.replace(/\.?0+$/, "") : m}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
  }
  const s = x.toFixed(Math.max(0, p - 1 - exp));
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** IPython's `_format_time(timespan, precision=3)` (seconds in). */
export function format_time(seconds: number, precision = 3): string {
  if (seconds >= 60) {
    const parts: Array<[string, number]> = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
    const out: string[] = [];
    let left = seconds;
    for (const [suffix, length] of parts) {
      const value = Math.trunc(left / length);
      if (value > 0) {
        left = left % length;
        out.push(`${value}${suffix}`);
      }
      if (left < 1) break;
    }
    return out.join(" ");
  }
  const units = ["s", "ms", "µs", "ns"];
  const scaling = [1, 1e3, 1e6, 1e9];
  const order = seconds > 0 ? Math.min(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 3) : 3;
  return `${format_g(seconds * scaling[order], precision)} ${units[order]}`;
}

/** `%time`'s report (IPython's lines; "Compiler : …" only past 0.1 s). */
export function time_report(t: { user: number; sys: number; wall: number; compile?: number }): string {
  const lines = [
    `CPU times: user ${format_time(t.user)}, sys: ${format_time(t.sys)}, total: ${format_time(t.user + t.sys)}`,
    `Wall time: ${format_time(t.wall)}`,
  ];
  if ((t.compile ?? 0) > 0.1) lines.push(`Compiler : ${format_time(t.compile!)}`);
  return lines.join("\n") + "\n";
}

/** IPython's TimeitResult: per-loop mean ± population std. dev. over the runs. */
export class TimeitResult {
  /** Seconds per loop of each run. */
  readonly timings: number[];
  constructor(
    readonly loops: number,
    readonly repeat: number,
    /** Seconds of each run (all `loops` of it). */
    readonly all_runs: number[],
    readonly compile_time = 0,
    readonly precision = 3,
  ) {
    this.timings = all_runs.map((t) => t / loops);
  }
  get best(): number {
    return Math.min(...this.timings);
  }
  get worst(): number {
    return Math.max(...this.timings);
  }
  get average(): number {
    return this.timings.reduce((a, b) => a + b, 0) / this.timings.length;
  }
  get stdev(): number {
    const m = this.average;
    return Math.sqrt(this.timings.reduce((a, b) => a + (b - m) ** 2, 0) / this.timings.length);
  }
  toString(): string {
    const s = (n: number, w: string) => `${n.toLocaleString("en-US")} ${w}${n === 1 ? "" : "s"}`;
    return `${format_time(this.average, this.precision)} ± ${format_time(this.stdev, this.precision)} per loop (mean ± std. dev. of ${s(this.repeat, "run")}, ${s(this.loops, "loop")} each)`;
  }
  [util.inspect.custom](): string {
    return `<TimeitResult : ${this}>`;
  }
  /** What %timeit prints: IPython's caching warning when the slowest run is over 4× the fastest, then the result. */
  report(): string {
    const warn =
      this.worst > 4 * this.best && this.best > 0 && this.worst > 1e-6
        ? `The slowest run took ${(this.worst / this.best).toFixed(2)} times longer than the fastest. This could mean that an intermediate result is being cached.\n`
        : "";
    return warn + String(this) + "\n" + (this.compile_time > 0.1 ? `Compiler time: ${this.compile_time.toFixed(2)} s\n` : "");
  }
}

/** Python's Timer.autorange: loops 1, 2, 5, 10, 20, 50, … until one run takes ≥ 0.2 s (or 1e9 loops). */
export function autorange(run: (loops: number) => number): number {
  for (let i = 1; ; i *= 10) {
    for (const j of [1, 2, 5]) {
      const loops = i * j;
      if (run(loops) >= 0.2 || loops >= 1e9) return loops;
    }
  }
}

/** autorange for an async statement. */
export async function autorange_async(run: (loops: number) => Promise<number>): Promise<number> {
  for (let i = 1; ; i *= 10) {
    for (const j of [1, 2, 5]) {
      const loops = i * j;
      if ((await run(loops)) >= 0.2 || loops >= 1e9) return loops;
    }
  }
}
