// IPython's magics, `!cmd` and `name?` help lines, as a layer in front of TypeScript compilation. A cell whose
// first line is `%%name` is a cell magic; a line starting with `%` or `!` (column 0, outside strings, templates
// and comments) is a line magic or a shell command; a line `name?` / `name??` / `?name` (where the cell does not
// parse as TypeScript otherwise) asks for help. The cell's TypeScript lines between them run through the normal
// cell path, in order, padded with blank lines so errors keep the cell's line numbers. Cells with none of these
// never reach this layer's logic (one regular-expression test).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as util from "util";
import type { Completeness, Completion, ExecuteOutcome } from "../server/executor";
import type { Bundle } from "../server/iopub";
import { writeFileAtomicSync } from "../../src/utils/fs";
import type { TsModule } from "./compiler";
import { is_complete as ts_is_complete } from "./editing";
import { TimeitResult, autorange, autorange_async, time_report } from "./timing";
import { XMODES, set_xmode } from "./xmode";
import { type Outcome, error } from "./outcome";
import { expand, run_shell } from "./shell";
import { who } from "./namespace";
import { value_bundle } from "./values";

/** History rows as the kernel's History serves them: [session, line, input] or [session, line, [input, output]]. */
export type HistoryRows = Array<[number, number, string] | [number, number, [string, string | null]]>;
export type HistoryAccess = {
  range(session: number, start: number, stop: number | null, output?: boolean): HistoryRows;
  search(pattern: string, opts: { n: number | null; unique: boolean; output: boolean }): HistoryRows;
  tail(n: number, output?: boolean): HistoryRows;
};

/** What the magics need from the executor. */
export interface MagicHost {
  /** Runs TypeScript through the normal cell path (compile against earlier cells, run, value). */
  run_cell(code: string, execution_count: number): Promise<ExecuteOutcome>;
  /** The cells' names and values. */
  names(): Record<string, unknown>;
  /** The pager bundle for `target` (help.ts), or null when no such name is in scope. */
  page(target: string, detail: 0 | 1): Bundle["data"] | null;
  typescript(): TsModule;
  /** The cell compiler (%time's clock starts when its convert() returns). */
  compiler(): { convert(...args: never[]): unknown };
  history(): HistoryAccess | undefined;
}

type Line =
  | { kind: "code"; text: string }
  | { kind: "magic"; name: string; args: string; pad: string }
  | { kind: "shell"; cmd: string }
  | { kind: "help"; target: string; detail: 0 | 1 };


export const LINE_MAGICS = ["cd", "env", "history", "hist", "load", "lsmagic", "pinfo", "pinfo2", "pwd", "run", "time", "timeit", "who", "whos", "xmode"];
export const CELL_MAGICS = ["bash", "sh", "time", "timeit", "writefile"];

const TIMEIT_KEY = Symbol.for("bertlab.magics.timeit");
const HELP_LINE = /^\s*(\?{1,2})?\s*([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*(\?{1,2})?\s*;?\s*$/;
const CANDIDATE = /^[%!]|\?\s*;?\s*$|^\s*\?/m;


/** Python's shlex-ish split: whitespace separated, "quoted" and 'quoted' words kept whole. */
function words(s: string): string[] {
  return [...s.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

export class Magics {
  private oldpwd: string | null = null;
  /** Every cell's source so far (`name??` shows a cell's own declaration from it). */
  readonly sources: string[] = [];

  constructor(private host: MagicHost) {
    const g = globalThis as Record<symbol, unknown>;
    g[TIMEIT_KEY] ??= timeit_runner;
  }

  /** Handles the cell when it has magics, shell or help lines (a promise of its outcome); null: plain TypeScript. */
  intercept(code: string, n: number): Promise<Outcome> | null {
    if (this.sources[this.sources.length - 1] !== code) this.sources.push(code);
    if (!CANDIDATE.test(code)) return null;
    const cell = /^%%([A-Za-z_]\w*)[ \t]*([^\n]*)(?:\n([\s\S]*))?$/.exec(code.replace(/^\s*\n/, ""));
    if (cell) return this.cell_magic(cell[1], cell[2], cell[3] ?? "", n);
    const lines = this.classify(code);
    if (!lines) return null;
    return this.run_lines(lines, n);
  }

  /** The cell's lines by kind, or null when all are TypeScript. */
  private classify(code: string): Line[] | null {
    const ts = this.host.typescript();
    const raw = code.split("\n");
    const inside = literal_ranges(ts, code);
    const starts: number[] = [];
    raw.reduce((off, l) => (starts.push(off), off + l.length + 1), 0);
    const in_literal = (i: number) => inside.some(([a, b]) => starts[i] > a && starts[i] < b);
    let special = false;
    const lines: Line[] = raw.map((text, i) => {
      if (/^[%!]/.test(text) && !in_literal(i)) {
        special = true;
        if (text.startsWith("!")) return { kind: "shell", cmd: text.slice(1) };
        const m = /^%([A-Za-z_]\w*)\s*(.*)$/.exec(text);
        // pad: the args' place in the cell (lines and columns), so errors in `%time EXPR` point into the cell
        const pad = m ? "\n".repeat(i) + " ".repeat(text.length - m[2].length) : "";
        return m ? { kind: "magic", name: m[1], args: m[2].trim(), pad } : { kind: "magic", name: text.slice(1), args: "", pad };
      }
      return { kind: "code", text };
    });
    // help lines are never TypeScript: only looked for when the cell (magic lines blanked) does not parse
    const rest = lines.map((l) => (l.kind === "code" ? l.text : "")).join("\n");
    if (/\?/.test(rest)) {
      const sf = ts.createSourceFile("cell.ts", rest, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      if ((sf.parseDiagnostics ?? []).length) {
        lines.forEach((l, i) => {
          if (l.kind !== "code" || in_literal(i)) return;
          const m = HELP_LINE.exec(l.text);
          if (!m || (!m[1] && !m[3]) || (m[1] && m[3])) return;
          special = true;
          lines[i] = { kind: "help", target: m[2].replace(/\s+/g, ""), detail: (m[1] ?? m[3]).length === 2 ? 1 : 0 };
        });
      }
    }
    return special ? lines : null;
  }

  private async run_lines(lines: Line[], n: number): Promise<Outcome> {
    let last: Outcome = { status: "ok" };
    const pages: Array<Bundle["data"]> = [];
    for (let i = 0; i < lines.length; ) {
      const l = lines[i];
      if (l.kind === "code") {
        let j = i;
        while (j < lines.length && lines[j].kind === "code") j++;
        const text = lines.slice(i, j).map((x) => (x as { text: string }).text).join("\n");
        if (text.trim()) last = await this.host.run_cell("\n".repeat(i) + text, n);
        else last = { status: "ok" };
        i = j;
      } else {
        if (l.kind === "magic") last = await this.line_magic(l.name, l.args, n, l.pad);
        else if (l.kind === "shell") last = await run_shell(["-c", expand(l.cmd, this.host.names())], null, false);
        else {
          last = { status: "ok" };
          const page = this.host.page(l.target, l.detail);
          if (page) pages.push(this.with_string_form(page, l.target));
          else process.stdout.write(`Object \`${l.target}\` not found.\n`);
        }
        i++;
      }
      if (last.status === "error") return last;
    }
    if (pages.length && last.status === "ok") {
      const text = pages.map((p) => String(p["text/plain"] ?? "")).join("\n\n");
      const md = pages.map((p) => String(p["text/markdown"] ?? p["text/plain"] ?? "")).join("\n\n---\n\n");
      return { ...last, page: { data: { "text/plain": text, "text/markdown": md } } };
    }
    return last;
  }

  private async cell_magic(name: string, args: string, body: string, n: number): Promise<Outcome> {
    // the body keeps its cell line numbers (line 1 is the magic)
    const padded = "\n" + body;
    switch (name) {
      case "time":
        return this.time(padded, n);
      case "timeit":
        return this.timeit(args, body, n, true);
      case "bash":
      case "sh":
        return run_shell(["-s", ...words(args)], body, true, name);
      case "writefile": {
        const w = words(args);
        const append = w[0] === "-a" || w[0] === "--append";
        const file = append ? w[1] : w[0];
        if (!file) return error("UsageError", "%%writefile: which file? (%%writefile [-a] FILE)");
        if (!fs.existsSync(path.dirname(path.resolve(file)))) return error("FileNotFoundError", `%%writefile: no folder ${path.dirname(path.resolve(file))} for ${file}`);
        const exists = fs.existsSync(file);
        const text = body.endsWith("\n") ? body : body + "\n";
        try {
          // whole or not at all: the old file plus the cell (-a), or the cell, renamed into place
          writeFileAtomicSync(file, append && exists ? fs.readFileSync(file, "utf8") + text : text);
        } catch (e) {
          return error("OSError", `%%writefile: cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        process.stdout.write(`${append ? "Appending to" : exists ? "Overwriting" : "Writing"} ${file}\n`);
        return { status: "ok" };
      }
      default:
        return error("UsageError", `Cell magic \`%%${name}\` not found. Known cell magics: ${CELL_MAGICS.map((m) => "%%" + m).join(" ")}`);
    }
  }

  private async line_magic(name: string, args: string, n: number, pad = ""): Promise<Outcome> {
    switch (name) {
      case "time":
        return this.time(args.trim() ? pad + args : "", n);
      case "timeit":
        return this.timeit(args, null, n, false, pad);
      case "pwd":
        return ok_value(process.cwd());
      case "cd":
        return this.cd(args);
      case "env":
        return this.env(args);
      case "who":
      case "whos":
        process.stdout.write(who(this.host.names(), name === "whos", words(args)));
        return { status: "ok" };
      case "history":
      case "hist":
        return this.history(words(args));
      case "load":
        return this.load(args);
      case "run":
        return this.run_file(args, n);
      case "xmode":
        try {
          process.stdout.write(`Exception reporting mode: ${set_xmode(args || undefined)}\n`);
          return { status: "ok" };
        } catch (e) {
          return error("UsageError", `${(e as Error).message}`);
        }
      case "lsmagic":
        process.stdout.write(lsmagic());
        return { status: "ok" };
      case "pinfo":
      case "pinfo2": {
        const page = this.host.page(args.trim(), name === "pinfo2" ? 1 : 0);
        if (!page) {
          process.stdout.write(`Object \`${args.trim()}\` not found.\n`);
          return { status: "ok" };
        }
        return { status: "ok", page: { data: page } };
      }
      default:
        return error("UsageError", `Line magic function \`%${name}\` not found. Known line magics: ${LINE_MAGICS.map((m) => "%" + m).join(" ")} (cell magics: ${CELL_MAGICS.map((m) => "%%" + m).join(" ")})`);
    }
  }

  /** IPython's "String form:" on the page of a value the cells hold (its repr, at most 12 lines). */
  private with_string_form(page: Bundle["data"], target: string): Bundle["data"] {
    const [head, ...rest] = target.split(".");
    const names = this.host.names();
    if (!Object.prototype.hasOwnProperty.call(names, head)) return page;
    let v: unknown = names[head];
    for (const k of rest) v = v == null ? undefined : (v as Record<string, unknown>)[k];
    if (v === undefined || typeof v === "function") return page; // functions and classes: their signature says it
    const lines = util.inspect(v, { depth: 2, maxArrayLength: 20, breakLength: 100 }).split("\n");
    const form = lines.length > 12 ? [...lines.slice(0, 12), `… (${lines.length - 12} more lines)`] : lines;
    return {
      ...page,
      "text/plain": `${page["text/plain"]}\n\nString form:\n${form.map((l) => "  " + l).join("\n")}`,
      "text/markdown": `${page["text/markdown"] ?? ""}\n\n**String form**\n\n\`\`\`\n${form.join("\n")}\n\`\`\``,
    };
  }

  /**
   * `%time` / `%%time`: runs the code through the normal cell path (names it declares are kept, its value is
   * Out[n]) and prints IPython's report. The clock starts when the compiler's convert() returns (IPython's
   * "Compiler :" line is the time before); a cell that compiles no other way is timed from the start.
   */
  private async time(code: string, n: number): Promise<Outcome> {
    if (!code.trim()) return error("UsageError", "%time: what to time? (%time EXPRESSION, or %%time with the code below it)");
    const t_start = performance.now();
    let mark = { t: t_start, cpu: process.cpuUsage() };
    const compiler = this.host.compiler() as { convert: (...a: unknown[]) => unknown };
    const convert = compiler.convert;
    compiler.convert = function (this: unknown, ...a: unknown[]) {
      const r = convert.apply(this, a);
      mark = { t: performance.now(), cpu: process.cpuUsage() };
      return r;
    };
    let out: Outcome;
    try {
      out = await this.host.run_cell(code, n);
    } finally {
      delete (compiler as { convert?: unknown }).convert; // the prototype's method again
      if (compiler.convert !== convert) compiler.convert = convert;
    }
    if (out.status === "error") return out;
    const cpu = process.cpuUsage(mark.cpu);
    const end = performance.now();
    process.stdout.write(time_report({ user: cpu.user / 1e6, sys: cpu.system / 1e6, wall: (end - mark.t) / 1000, compile: (mark.t - t_start) / 1000 }));
    return out;
  }

  /**
   * `%timeit [-n N] [-r R] [-q] [-o] STATEMENT` / `%%timeit [options] [SETUP]` + body: the statement is compiled
   * once as a cell (type-checked against earlier cells' names) into a function running it N times; loops are
   * auto-chosen as IPython does (1, 2, 5, 10, … until a run takes ≥ 0.2 s), then R runs (7) are timed.
   */
  private async timeit(args: string, body: string | null, n: number, cell: boolean, pad = ""): Promise<Outcome> {
    const opts = { number: 0, repeat: 7, quiet: false, ret: false, precision: 3 };
    let given_n = false;
    let rest = args;
    for (;;) {
      const m = /^\s*-(n|r|p)\s*(\d+)|^\s*-(q|o)\b/.exec(rest);
      if (!m) break;
      if (m[1] === "n") (opts.number = Number(m[2])), (given_n = true);
      else if (m[1] === "r") opts.repeat = Number(m[2]);
      else if (m[1] === "p") opts.precision = Number(m[2]);
      else if (m[3] === "q") opts.quiet = true;
      else opts.ret = true;
      rest = rest.slice(m[0].length);
    }
    if (opts.repeat < 1 || (given_n && opts.number < 1)) return error("UsageError", "%timeit: -n and -r take a positive whole number of loops / runs");
    const setup = cell ? rest.trim() : "";
    const stmt = cell ? body ?? "" : rest.trim();
    if (!stmt.trim()) return error("UsageError", `%timeit: what to time? (%timeit STATEMENT, or %%timeit [SETUP] with the code below it)`);
    const is_async = /\bawait\b/.test(setup + "\n" + stmt);
    // the runner, the setup and the loop on one line, the statement on the lines after it: the statement keeps its
    // cell line numbers in errors (the magic's line holds the runner; a %timeit on a cell's first line is one down).
    // `await (…)` at a cell's top would parse as a call of a function named await: the call starts with a name.
    const head =
      `${is_async ? "await " : ""}Reflect.get(globalThis, Symbol.for("bertlab.magics.timeit"))(${is_async ? "async " : ""}(__loops: number): ${is_async ? "Promise<number>" : "number"} => { ` +
      `${setup}${setup ? (/\/\//.test(setup) ? "\n;" : ";") : ""} const __t0 = performance.now(); for (let __i = 0; __i < __loops; __i++) {`;
    const tail = `\n} return (performance.now() - __t0) / 1000; }, ${JSON.stringify(opts)})`;
    const line = pad.split("\n").length - 1;
    const column = cell ? "" : " ".repeat(pad.length - line + args.length - rest.trimStart().length);
    return this.host.run_cell("\n".repeat(Math.max(0, line - 1)) + head + "\n" + column + stmt + tail, n);
  }

  private cd(args: string): Outcome {
    const w = words(args).filter((a) => a !== "-q");
    const quiet = words(args).includes("-q");
    let target = w[0] ?? os.homedir();
    if (target === "-") {
      if (!this.oldpwd) return error("UsageError", "%cd -: no previous directory yet");
      target = this.oldpwd;
    }
    target = target.replace(/^~(?=$|[\\/])/, os.homedir());
    try {
      const before = process.cwd();
      process.chdir(target);
      this.oldpwd = before;
    } catch (e) {
      return error("FileNotFoundError", `%cd: ${target}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : (e as Error).message}`);
    }
    if (!quiet) process.stdout.write(process.cwd() + "\n");
    return { status: "ok" };
  }

  private env(args: string): Promise<Outcome> | Outcome {
    if (!args) return ok_value(Object.fromEntries(Object.entries(process.env).sort(([a], [b]) => a.localeCompare(b))));
    const m = /^([A-Za-z_][\w.]*)\s*(?:=\s*|\s+)([\s\S]*)$/.exec(args);
    if (m) {
      process.env[m[1]] = m[2];
      process.stdout.write(`env: ${m[1]}=${m[2]}\n`);
      return { status: "ok" };
    }
    const name = args.trim();
    if (!(name in process.env)) return error("KeyError", `%env: no environment variable ${JSON.stringify(name)}`);
    return ok_value(process.env[name]);
  }

  /** `%history [-n] [-o] [-g PATTERN] [-l N] [RANGES]` over the kernel's history (this session unless -g / -l). */
  private history(w: string[]): Outcome {
    const h = this.host.history();
    if (!h) return error("UsageError", "%history: this kernel keeps no history");
    let numbers = false;
    let output = false;
    let rows: HistoryRows | null = null;
    const ranges: string[] = [];
    for (let i = 0; i < w.length; i++) {
      const a = w[i];
      if (a === "-n") numbers = true;
      else if (a === "-o") output = true;
      else if (a === "-g") {
        const pattern = w[i + 1] && !w[i + 1].startsWith("-") ? w[++i] : "*";
        rows = h.search(pattern.includes("*") || pattern.includes("?") ? pattern : `*${pattern}*`, { n: null, unique: false, output: true });
        numbers = true;
      } else if (a === "-l") rows = h.tail(Number(w[++i] ?? 10), true);
      else if (/^\d+(-\d+)?$/.test(a)) ranges.push(a);
      else return error("UsageError", `%history: unknown argument ${JSON.stringify(a)}; expected -n, -o, -g PATTERN, -l N or line ranges like 1-3 5`);
    }
    rows ??= ranges.length
      ? ranges.flatMap((r) => {
          const [a, b] = r.split("-").map(Number);
          return h.range(0, a, (b ?? a) + 1, true);
        })
      : h.range(0, 1, null, true);
    const session = h.range(0, 0, 1, false)[0]?.[0];
    const width = Math.max(1, ...rows.map((r) => String(r[1]).length));
    const out: string[] = [];
    for (const [s, line, entry] of rows) {
      const [input, result] = Array.isArray(entry) ? entry : [entry, null];
      const label = s !== session && session !== undefined ? `${s}/${line}` : String(line);
      out.push(numbers ? `${label.padStart(width)}: ${input.replace(/\n/g, "\n" + " ".repeat(width + 2))}` : input);
      if (output && result != null) out.push(`${numbers ? " ".repeat(width + 2) : ""}-> ${result}`);
    }
    process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
    return { status: "ok" };
  }

  /** `%load FILE`: the file's text becomes the cell's new input (IPython's set_next_input, replacing the cell). */
  private load(args: string): Outcome {
    const file = words(args)[0];
    if (!file) return error("UsageError", "%load: which file? (%load FILE.ts)");
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      return error("FileNotFoundError", `%load: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return { status: "ok", payload: [{ source: "set_next_input", text: `// %load ${args}\n${text}`, replace: true }] };
  }

  /** `%run FILE.ts`: runs the file as a cell, in the kernel's names (what it declares stays, as `%run -i`). */
  private async run_file(args: string, n: number): Promise<Outcome> {
    const file = words(args)[0];
    if (!file) return error("UsageError", "%run: which file? (%run FILE.ts)");
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(file), "utf8");
    } catch (e) {
      return error("FileNotFoundError", `%run: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const out = await this.host.run_cell(text, n);
    // a file's last expression is not a cell value (IPython's %run prints nothing of it)
    return out.status === "ok" ? { status: "ok" } : out;
  }

  /**
   * The cell as TypeScript sees it for completion and inspection: a `%time` / `%timeit` line keeps its statement (the
   * magic and its options become spaces, so positions hold), other magic, shell and `%%` lines become blank.
   */
  ts_view(code: string): string {
    if (!CANDIDATE.test(code)) return code;
    const lines = code.split("\n");
    const cell = /^%%(time|timeit)\b/.test(lines[0]);
    return lines
      .map((l, i) => {
        if (i === 0 && cell) return " ".repeat(l.length);
        if (/^%%/.test(lines[0]) && !cell) return lines.length > 1 ? l.replace(/[^\n]/g, " ") : l; // a %%bash body is not TypeScript
        const m = /^%(time|timeit)\b(\s+-[nrp]\s*\d+|\s+-[qo]\b)*\s*/.exec(l);
        if (m) return " ".repeat(m[0].length) + l.slice(m[0].length);
        return /^[%!]/.test(l) ? " ".repeat(l.length) : l;
      })
      .join("\n");
  }

  /** Completion of `%ti` → `%time`, `%timeit`; `%%b` → `%%bash`; null when the cursor is not on a magic word. */
  complete(code: string, cursor: number): Completion | null {
    const line_start = code.lastIndexOf("\n", cursor - 1) + 1;
    const m = /^(%%?)([A-Za-z_]\w*)?$/.exec(code.slice(line_start, cursor));
    if (!m) return null;
    const cell = m[1] === "%%";
    if (cell && line_start !== 0) return null;
    const list = cell ? CELL_MAGICS : LINE_MAGICS;
    const prefix = m[2] ?? "";
    const matches = list.filter((x) => x.startsWith(prefix)).map((x) => m[1] + x);
    return { matches, cursor_start: line_start, cursor_end: cursor, metadata: {} };
  }

  /**
   * A `%%magic` cell is complete as it stands (its body is not TypeScript); otherwise its TypeScript lines decide
   * (magic, shell and help lines left out): `import …;\nName?` is complete. Null: no such lines, TypeScript decides.
   */
  is_complete(code: string): Completeness | null {
    if (/^\s*%%/.test(code)) return { status: "complete" };
    if (!CANDIDATE.test(code)) return null;
    const lines = this.classify(code);
    if (!lines) return null;
    const rest = lines.map((l) => (l.kind === "code" ? l.text : "")).join("\n");
    return rest.trim() ? ts_is_complete(this.host.typescript(), rest.replace(/\s+$/, "")) : { status: "complete" };
  }
}

async function ok_value(value: unknown): Promise<Outcome> {
  return { status: "ok", result: await value_bundle(value) };
}

/** `%timeit`'s runner, called by the compiled statement's cell (synchronously, so an interrupt stops it). */
function timeit_runner(fn: (loops: number) => number | Promise<number>, o: { number: number; repeat: number; quiet: boolean; ret: boolean; precision: number }): unknown {
  const finish = (loops: number, runs: number[]) => {
    const r = new TimeitResult(loops, o.repeat, runs, 0, o.precision);
    if (!o.quiet) process.stdout.write(r.report());
    return o.ret ? r : undefined;
  };
  const probe = fn(1);
  if (probe instanceof Promise) {
    return (async () => {
      await probe;
      const loops = o.number || (await autorange_async(async (k) => fn(k) as Promise<number>));
      const runs: number[] = [];
      for (let i = 0; i < o.repeat; i++) runs.push(await (fn(loops) as Promise<number>));
      return finish(loops, runs);
    })();
  }
  const loops = o.number || autorange((k) => fn(k) as number);
  const runs: number[] = [];
  for (let i = 0; i < o.repeat; i++) runs.push(fn(loops) as number);
  return finish(loops, runs);
}

/** `%lsmagic`'s listing, as IPython lays it out. */
function lsmagic(): string {
  return [
    "Available line magics:",
    LINE_MAGICS.map((m) => "%" + m).join("  "),
    "",
    "Available cell magics:",
    CELL_MAGICS.map((m) => "%%" + m).join("  "),
    "",
    "Also: !cmd runs a shell command; name? / name?? (or ?name) pages help; %xmode takes " + XMODES.join(" | ") + ".",
    "Automagic is OFF, % prefix IS needed for line magics.",
    "",
  ].join("\n");
}


/** [start, end) of string / template literals and comments in a cell, so magic-looking lines inside them stay code. */
function literal_ranges(ts: TsModule, code: string): Array<[number, number]> {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Array<[number, number]> = [];
  const K = ts.SyntaxKind;
  const kinds = new Set([K.StringLiteral, K.NoSubstitutionTemplateLiteral, K.TemplateHead, K.TemplateMiddle, K.TemplateTail]);
  const seen = new Set<number>();
  const visit = (node: { pos: number; end: number; kind: number; getStart(sf?: unknown): number; getChildren(sf?: unknown): unknown[] }) => {
    if (!seen.has(node.pos)) {
      seen.add(node.pos);
      for (const c of ts.getLeadingCommentRanges(code, node.pos) ?? []) out.push([c.pos, c.end]);
    }
    if (kinds.has(node.kind)) out.push([node.getStart(sf), node.end]);
    for (const c of node.getChildren(sf)) visit(c as typeof node);
  };
  visit(sf);
  return out;
}
