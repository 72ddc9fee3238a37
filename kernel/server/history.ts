// Input history kept per user across kernels, like IPython's history.sqlite: one JSON line per executed cell
// ({session, line, input}, then {session, line, output} once it has a value) appended to $BERTLAB_HISTORY_FILE or <XDG data dir>/bertlab/history.jsonl.
// Each kernel is a new session numbered after the last one on file. Serves history_request's tail / range /
// search (glob patterns, `unique`, last `n`).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type HistoryEntry = { session: number; line: number; input: string; output: string | null };
export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

export function default_history_file(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTLAB_HISTORY_FILE) return path.resolve(env.BERTLAB_HISTORY_FILE);
  const data = env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(data, "bertlab", "history.jsonl");
}

type GlobToken = { kind: "any" } | { kind: "char"; c: string } | { kind: "set"; negate: boolean; ranges: Array<[number, number]> };

/** A glob's pieces between its `*`s (SQLite GLOB, as IPython's history search: `*`, `?`, `[a-z]`, `[^...]`). */
function glob_segments(glob: string): GlobToken[][] {
  const p = Array.from(glob);
  const segments: GlobToken[][] = [[]];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*") segments.push([]);
    else if (c === "?") segments[segments.length - 1].push({ kind: "any" });
    else if (c === "[") {
      let j = i + 1;
      const negate = p[j] === "^";
      if (negate) j++;
      const start = j;
      const ranges: Array<[number, number]> = [];
      // a "]" right after "[" (or "[^") is a literal member, as in SQLite
      for (; j < p.length && (p[j] !== "]" || j === start); j++) {
        const lo = p[j].codePointAt(0)!;
        if (p[j + 1] === "-" && j + 2 < p.length && p[j + 2] !== "]") {
          ranges.push([lo, p[j + 2].codePointAt(0)!]);
          j += 2;
        } else ranges.push([lo, lo]);
      }
      if (j >= p.length) segments[segments.length - 1].push({ kind: "char", c }); // no closing "]": a literal "["
      else {
        segments[segments.length - 1].push({ kind: "set", negate, ranges });
        i = j;
      }
    } else segments[segments.length - 1].push({ kind: "char", c });
  }
  return segments;
}

function token_matches(t: GlobToken, c: string): boolean {
  if (t.kind === "any") return true;
  if (t.kind === "char") return t.c === c;
  const cp = c.codePointAt(0)!;
  return t.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== t.negate;
}

function segment_at(seg: GlobToken[], text: string[], at: number): boolean {
  if (at + seg.length > text.length) return false;
  for (let k = 0; k < seg.length; k++) if (!token_matches(seg[k], text[at + k])) return false;
  return true;
}

/**
 * Whether `text` matches the glob as a whole. No backtracking: the first piece is matched at the start, the last
 * at the end, and each piece between `*`s at its leftmost place after the previous one (which is optimal for
 * globs), so the time is at most O(pattern × text) whatever the pattern — never exponential.
 */
export function glob_match(glob: string, text: string): boolean {
  const segs = glob_segments(glob);
  const t = Array.from(text);
  if (segs.length === 1) return segs[0].length === t.length && segment_at(segs[0], t, 0);
  const first = segs[0];
  const last = segs[segs.length - 1];
  if (!segment_at(first, t, 0)) return false;
  let pos = first.length;
  const end = t.length - last.length;
  if (end < pos || !segment_at(last, t, end)) return false;
  for (const seg of segs.slice(1, -1)) {
    if (!seg.length) continue;
    let found = -1;
    for (let at = pos; at + seg.length <= end; at++) {
      if (segment_at(seg, t, at)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + seg.length;
  }
  return true;
}

export class History {
  private entries: HistoryEntry[] = [];
  readonly session: number;
  private writable = true;

  constructor(readonly file: string = default_history_file(), private log: (line: string) => void = () => {}) {
    try {
      for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as HistoryEntry;
          if (!Number.isInteger(e.session) || !Number.isInteger(e.line)) continue;
          if (typeof e.input === "string") this.entries.push({ ...e, output: e.output ?? null });
          else if (typeof e.output === "string") this.attach(e.session, e.line, e.output); // an output record

        } catch {
          // a torn last line (a kernel killed mid-append) is skipped
        }
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") this.log(`history: cannot read ${file}: ${(e as Error).message}`);
    }
    this.session = this.entries.reduce((m, e) => Math.max(m, e.session), 0) + 1;
  }

  /** Records one input before it runs (line numbers are execution counts). */
  add(line: number, input: string): void {
    this.entries.push({ session: this.session, line, input, output: null });
    this.append({ session: this.session, line, input });
  }

  /** Records the text/plain output of an input of this session (a separate record, as IPython's output table). */
  set_output(line: number, output: string): void {
    this.attach(this.session, line, output);
    this.append({ session: this.session, line, output });
  }

  private attach(session: number, line: number, output: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.session === session && e.line === line) return void (e.output = output);
    }
  }

  private append(record: object): void {
    if (!this.writable) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      // one write(2) of a whole line with O_APPEND: concurrent kernels never interleave inside a line
      fs.appendFileSync(this.file, JSON.stringify(record) + "\n", { mode: 0o600 });
    } catch (err) {
      this.writable = false;
      this.log(`history: cannot write ${this.file} (${(err as Error).message}); keeping this session's history in memory`);
    }
  }

  private rows(list: HistoryEntry[], output: boolean): HistoryRow[] {
    return list.map((e) => (output ? [e.session, e.line, [e.input, e.output]] : [e.session, e.line, e.input]));
  }

  /** The last `n` entries over all sessions. */
  tail(n: number, output = false): HistoryRow[] {
    return this.rows(n > 0 ? this.entries.slice(-n) : [], output);
  }

  /** Lines [start, stop) of a session; session <= 0 counts back from this one (0 = this session). */
  range(session: number, start: number, stop: number | null, output = false): HistoryRow[] {
    const s = session <= 0 ? this.session + session : session;
    return this.rows(
      this.entries.filter((e) => e.session === s && e.line >= start && (stop == null || stop <= 0 || e.line < stop)),
      output,
    );
  }

  /** Entries whose input matches the glob; the last `n` of them (all if n is null), distinct inputs if `unique`. */
  search(pattern: string, opts: { n?: number | null; unique?: boolean; output?: boolean } = {}): HistoryRow[] {
    const glob = pattern || "*";
    let hits = this.entries.filter((e) => glob_match(glob, e.input));
    if (opts.unique) {
      const last = new Map<string, HistoryEntry>();
      for (const e of hits) {
        last.delete(e.input);
        last.set(e.input, e);
      }
      hits = [...last.values()];
    }
    if (opts.n != null && opts.n > 0) hits = hits.slice(-opts.n);
    return this.rows(hits, !!opts.output);
  }
}
