// Errors as a person reads them. A type error is printed like `tsc --pretty`: the cell's own line and column,
// the full message (with its chain of reasons), the code line and a ~~~ underline. A runtime error's stack has
// its cell frames mapped from compiled JS back to the cell's lines, kernel frames dropped, and the failing cell
// line shown with a caret. Both become Jupyter's { ename, evalue, traceback }.
import * as util from "util";
import type { Diagnostic } from "./compiler";
import type { Position } from "./sourcemap";
import { habit_hint } from "./help";
import { hidden_note, shows_excerpt, trim_frames } from "./xmode";

export type CellError = { status: "error"; ename: string; evalue: string; traceback: string[] };

const RED = "\x1b[31m";
const CYAN = "\x1b[36m";
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";
const CATEGORY = ["warning", "error", "suggestion", "message"];

/** The code line with its number, and a marker line under [from, to) (tsc's layout). */
export function excerpt(lines: string[], line: number, from: number, to: number, mark: "~" | "^", gutter: number): string[] {
  const num = String(line + 1).padStart(gutter);
  const text = lines[line] ?? "";
  const width = Math.max(1, Math.min(to, text.length) - from);
  return [`${num} ${text}`, `${" ".repeat(gutter)} ${" ".repeat(from)}${RED}${mark.repeat(mark === "^" ? 1 : width)}${RESET}`];
}

/** Groups tslab's flattened diagnostics: a message chain comes as entries with the head's span and no file. */
function group(diags: Diagnostic[]): Diagnostic[][] {
  const out: Diagnostic[][] = [];
  for (const d of diags) {
    const head = out[out.length - 1]?.[0];
    if (head && d.fileName === undefined && head.start.offset === d.start.offset && head.end.offset === d.end.offset) out[out.length - 1].push(d);
    else out.push([d]);
  }
  return out;
}

/** TypeScript diagnostics of a cell → one error output, every diagnostic in full. */
export function diagnostics_error(diags: Diagnostic[], source: string, cell: string): CellError {
  const lines = source.split("\n");
  const groups = group(diags);
  const traceback: string[] = [];
  for (const [head, ...chain] of groups) {
    const where = `${head.fileName ?? cell}:${head.start.line + 1}:${head.start.character + 1}`;
    const kind = CATEGORY[head.category] ?? "error";
    traceback.push(`${CYAN}${where}${RESET} - ${RED}${kind}${RESET} TS${head.code}: ${head.messageText}`);
    chain.forEach((d, i) => traceback.push(`${"  ".repeat(i + 1)}${d.messageText}`));
    const hint = habit_hint(head.messageText); // a Python habit (`t.view(...)`): what to write instead (help.ts)
    if (hint) traceback.push(`  ${hint}`);
    if (!head.fileName) {
      const gutter = String(head.end.line + 1).length;
      traceback.push("");
      for (let l = head.start.line; l <= head.end.line; l++) {
        const from = l === head.start.line ? head.start.character : 0;
        const to = l === head.end.line ? head.end.character : (lines[l] ?? "").length;
        traceback.push(...excerpt(lines, l, from, Math.max(to, from + 1), "~", gutter));
      }
    }
    traceback.push("");
  }
  const errors = groups.filter(([d]) => d.category === 1).length;
  traceback.push(`${BOLD}Found ${errors} error${errors === 1 ? "" : "s"} in ${cell}.${RESET} The cell did not run; nothing it declares exists.`);
  const [first] = groups[0];
  const more = groups.length > 1 ? ` (and ${groups.length - 1} more)` : "";
  return {
    status: "error",
    ename: "TSError",
    evalue: `${cell}:${first.start.line + 1}:${first.start.character + 1} - TS${first.code}: ${first.messageText}${more}`,
    traceback: [traceback.join("\n")],
  };
}

// A V8 frame position: "file:line:col" with the cell's file name.
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A thrown value → an error output. `to_cell` maps positions in the compiled code (0-based) to the cell's
 * source; frames of the kernel itself (kernel/ts, kernel/server, node internals) are dropped.
 */
export function runtime_error(
  thrown: unknown,
  source: string,
  cell: string,
  to_cell: ((pos: Position) => Position | null) | undefined,
  prefix_length: number,
): CellError {
  const err = thrown instanceof Error ? thrown : null;
  const ename = err ? err.name || err.constructor?.name || "Error" : "Uncaught";
  const evalue = err ? err.message : util.inspect(thrown, { depth: 3 });
  const stack = err && typeof err.stack === "string" ? err.stack : "";
  let first: Position | null = null;
  const frame = new RegExp(`${escape(cell)}:(\\d+):(\\d+)`, "g");
  const frames = stack
    .split("\n")
    .slice(1)
    .filter((l) => /^\s+at /.test(l))
    .flatMap((l) => {
      let unmapped = false;
      const mapped = l.replace(frame, (_m, ln: string, col: string) => {
        const line = Number(ln) - 1;
        const column = Number(col) - 1 - (line === 0 ? prefix_length : 0);
        const p = to_cell ? to_cell({ line, column: Math.max(0, column) }) : { line, column };
        if (!p) {
          unmapped = true; // the kernel's wrapper around the cell (its call at the end)
          return cell;
        }
        first ??= p;
        return `${cell}:${p.line + 1}:${p.column + 1}`;
      });
      return unmapped ? [] : [mapped];
    });
  const head = err ? `${RED}${ename}${RESET}: ${evalue}` : `${RED}Uncaught${RESET} ${evalue}`;
  const shown = trim_frames(frames); // %xmode (xmode.ts): library-internal frames dropped unless Verbose
  const note = hidden_note(frames.filter((l) => !/kernel[\\/](ts|server)[\\/]/.test(l)).length, shown.length);
  const traceback = [head + (shown.length ? "\n" + shown.join("\n") : "") + (note ? "\n" + note : "")];
  if (first && shows_excerpt()) {
    const p = first as Position;
    const lines = source.split("\n");
    const gutter = String(p.line + 1).length;
    traceback.push([`${CYAN}${cell}:${p.line + 1}:${p.column + 1}${RESET}`, ...excerpt(lines, p.line, p.column, p.column + 1, "^", gutter)].join("\n"));
  }
  if (err && ename === "KeyboardInterrupt") {
    traceback.push("The kernel is still running and keeps every earlier cell's names; a Trainer stops at its next step.");
  }
  return { status: "error", ename, evalue, traceback };
}
