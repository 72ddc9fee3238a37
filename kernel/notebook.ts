// nbformat 4.5 notebooks: the types, reading/writing (atomic), and papermill-style parameter injection.
import * as fs from "fs";
import { randomBytes } from "crypto";
import { writeFileAtomicSync } from "../src/utils/fs";
import { read_json_file } from "../src/utils/read_file";

export type MimeBundle = { [mime: string]: unknown };

export type StreamOutput = { output_type: "stream"; name: "stdout" | "stderr"; text: string };
export type DisplayDataOutput = { output_type: "display_data"; data: MimeBundle; metadata: object };
export type ExecuteResultOutput = {
  output_type: "execute_result";
  data: MimeBundle;
  metadata: object;
  execution_count: number | null;
};
export type ErrorOutput = { output_type: "error"; ename: string; evalue: string; traceback: string[] };
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export type CellMetadata = { tags?: string[]; [key: string]: unknown };
export type CodeCell = {
  cell_type: "code";
  id?: string;
  metadata: CellMetadata;
  source: string | string[];
  outputs: Output[];
  execution_count: number | null;
};
export type MarkdownCell = {
  cell_type: "markdown" | "raw";
  id?: string;
  metadata: CellMetadata;
  source: string | string[];
  attachments?: { [name: string]: MimeBundle };
};
export type Cell = CodeCell | MarkdownCell;
export type Notebook = { nbformat: number; nbformat_minor: number; metadata: { [key: string]: unknown }; cells: Cell[] };

/** A cell's source as one string (nbformat allows a list of lines). */
export function source_text(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Multi-line text fields (stream text, text/* data) may be lists of lines too. */
export function joined(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

export function new_cell_id(): string {
  return randomBytes(4).toString("hex");
}

export function read_notebook(file: string): Notebook {
  if (!fs.existsSync(file)) throw new Error(`read_notebook: ${file} does not exist`);
  let nb: Notebook;
  try {
    nb = read_json_file(file, "notebook") as Notebook;
  } catch (e) {
    throw new Error(`read_notebook: cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  if (nb == null || typeof nb !== "object" || !Array.isArray(nb.cells)) {
    throw new Error(`read_notebook: ${file} is not an nbformat 4 notebook (expected an object with a "cells" array)`);
  }
  if (nb.nbformat !== 4) {
    throw new Error(`read_notebook: ${file} has nbformat ${JSON.stringify(nb.nbformat)}; expected 4`);
  }
  check_top(nb, `read_notebook: ${file}`);
  nb.cells.forEach((cell, i) => check_cell(cell, i, file));
  return nb;
}

const isText = (v: unknown): boolean => typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
const isRecord = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);

/** The parts of an nbformat 4 cell bertlab relies on; anything else is an error naming the cell. */
function check_cell(cell: unknown, i: number, file: string): void {
  const bad = (what: string): never => {
    throw new Error(`read_notebook: ${file}: cell ${i} ${what} (nbformat 4: { cell_type, source: string or list of strings, metadata: {} })`);
  };
  if (!isRecord(cell)) bad(`is ${cell === null ? "null" : Array.isArray(cell) ? "a list" : typeof cell}, not an object`);
  const c = cell as Record<string, unknown>;
  if (c.cell_type !== "code" && c.cell_type !== "markdown" && c.cell_type !== "raw") bad(`has cell_type ${JSON.stringify(c.cell_type)}; expected "code", "markdown" or "raw"`);
  if (!isText(c.source)) bad(`has source ${JSON.stringify(c.source)?.slice(0, 40)}`);
  if (c.metadata !== undefined && !isRecord(c.metadata)) bad("has metadata that is not an object");
  const tags = (c.metadata as Record<string, unknown> | undefined)?.tags;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) bad("has metadata.tags that is not a list of strings");
  if (c.id !== undefined && typeof c.id !== "string") bad("has an id that is not a string");
  if (c.cell_type === "code" && c.outputs !== undefined && !Array.isArray(c.outputs)) bad("has outputs that are not a list");
  if (c.cell_type === "code" && Array.isArray(c.outputs) && !c.outputs.every(isRecord)) bad("has an output that is not an object");
}

/** The notebook-level fields nbformat 4 requires to be objects / integers: an error naming the field. */
function check_top(nb: Notebook, where: string): void {
  const raw = nb as unknown as Record<string, unknown>;
  if (raw.metadata !== undefined && !isRecord(raw.metadata)) {
    throw new Error(`${where}: "metadata" should be an object (nbformat 4; {} when empty), got ${kind(raw.metadata)}`);
  }
  if (raw.nbformat_minor !== undefined && !(Number.isInteger(raw.nbformat_minor) && (raw.nbformat_minor as number) >= 0)) {
    throw new Error(`${where}: "nbformat_minor" should be a non-negative integer, got ${kind(raw.nbformat_minor)}`);
  }
}

/** Upgrades to nbformat 4.5: every cell gets an id, code cells get outputs/execution_count. */
export function normalize_notebook(nb: Notebook): Notebook {
  check_cells(nb);
  check_top(nb, "notebook");
  nb.metadata = nb.metadata ?? {};
  nb.nbformat_minor = Math.max(nb.nbformat_minor ?? 0, 5);
  const seen = new Set<string>();
  for (const cell of nb.cells) {
    cell.metadata = cell.metadata ?? {};
    if (!cell.id || seen.has(cell.id)) cell.id = new_cell_id();
    seen.add(cell.id);
    if (cell.cell_type === "code") {
      cell.outputs = cell.outputs ?? [];
      if (cell.execution_count === undefined) cell.execution_count = null;
    }
  }
  return nb;
}

export function write_notebook(file: string, nb: Notebook): void {
  writeFileAtomicSync(file, JSON.stringify(nb, null, 1) + "\n");
}

export type ParameterValue = string | number | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };

/**
 * Parses `-p name=value` like papermill: the value is JSON when it parses as JSON (numbers, true/false, null,
 * "quoted", [arrays], {objects}), else the raw string.
 */
export function parse_parameter(arg: string): [string, ParameterValue] {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new Error(`parameter "${arg}": expected name=value`);
  const name = arg.slice(0, eq).trim();
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) {
    throw new Error(`parameter "${arg}": "${name}" is not a valid TypeScript identifier`);
  }
  const raw = arg.slice(eq + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}

/**
 * papermill-style injection. Finds the code cell tagged `parameters` and inserts a cell tagged
 * `injected-parameters` after it that assigns each value (`lr = 0.0001;`). Declarations in the parameters cell
 * should use `let`; a `const NAME` declaration of an injected name is rewritten to `let NAME` so the assignment
 * type-checks. Names the parameters cell does not declare (or a notebook without a parameters cell, where the
 * injected cell goes first) are declared with `let`. Returns the index of the injected cell.
 */
export function inject_parameters(nb: Notebook, given: Array<[string, ParameterValue]>): number {
  if (given.length === 0) return -1;
  const params = last_wins(given);
  const at = nb.cells.findIndex((c) => c.cell_type === "code" && (c.metadata?.tags ?? []).includes("parameters"));
  const lines = ["// Injected parameters"];
  const declared = new Set<string>();
  if (at >= 0) {
    const cell = nb.cells[at];
    let src = source_text(cell);
    for (const [name] of params) {
      const decl = new RegExp(`\\b(const|let|var)(\\s+)${name.replace(/\$/g, "\\$")}(?![A-Za-z0-9_$])`);
      const m = decl.exec(src);
      if (!m) continue;
      declared.add(name);
      if (m[1] === "const") src = src.slice(0, m.index) + "let" + src.slice(m.index + 5);
    }
    cell.source = src;
  } else {
    process.stderr.write("warning: notebook has no cell tagged \"parameters\"; injecting parameters at the top\n");
  }
  for (const [name, value] of params) {
    if (!declared.has(name)) lines.push(`let ${name} = ${ts_literal(value)};`);
  }
  // Assignments go in a block: tslab prints a cell's last expression statement, and a block is not one.
  const assigned = params.filter(([name]) => declared.has(name));
  if (assigned.length) {
    lines.push("{", ...assigned.map(([name, value]) => `  ${name} = ${ts_literal(value)};`), "}");
  }
  const cell: CodeCell = {
    cell_type: "code",
    id: new_cell_id(),
    metadata: { tags: ["injected-parameters"] },
    source: lines.join("\n"),
    outputs: [],
    execution_count: null,
  };
  nb.cells.splice(at + 1, 0, cell);
  return at + 1;
}

/** Repeated names: the last value wins (papermill), at the place the name was first given. */
export function last_wins(params: Array<[string, ParameterValue]>): Array<[string, ParameterValue]> {
  return [...new Map(params)];
}

/**
 * A parameter value as TypeScript source that means exactly the value: JSON, with U+2028 / U+2029 escaped
 * (TypeScript ends a string literal at them) and lone surrogates escaped (JSON.stringify does); an object with a
 * "__proto__" key (an object literal would set the prototype instead) goes through JSON.parse.
 */
export function ts_literal(value: ParameterValue): string {
  const esc = (json: string) => json.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error(`parameter value ${String(value)} cannot be written as JSON`);
  const has_proto = (v: unknown): boolean =>
    v !== null && typeof v === "object" && (Array.isArray(v) ? v.some(has_proto) : Object.keys(v).some((k) => k === "__proto__" || has_proto((v as Record<string, unknown>)[k])));
  return has_proto(value) ? `JSON.parse(${esc(JSON.stringify(json))})` : esc(json);
}

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "string" ? `the string ${JSON.stringify(v.slice(0, 30))}` : typeof v;
}

/** Throws a clear error for a cell nbformat does not allow (null, no cell_type, a numeric source...). */
export function check_cells(nb: Notebook): void {
  if (nb == null || typeof nb !== "object" || !Array.isArray(nb.cells)) {
    throw new Error(`notebook: expected an object with a "cells" array, got ${kind(nb)}`);
  }
  nb.cells.forEach((cell: unknown, i) => {
    const c = cell as Record<string, unknown>;
    if (c === null || typeof c !== "object" || Array.isArray(c)) throw new Error(`notebook cell ${i}: expected an object with cell_type and source, got ${kind(c)}`);
    if (!["code", "markdown", "raw"].includes(c.cell_type as string)) throw new Error(`notebook cell ${i}: cell_type must be "code", "markdown" or "raw", got ${kind(c.cell_type)}`);
    const src = c.source;
    if (typeof src !== "string" && !(Array.isArray(src) && src.every((l) => typeof l === "string"))) {
      throw new Error(`notebook cell ${i}: source must be a string or a list of strings, got ${kind(src)}`);
    }
    if (c.metadata != null && (typeof c.metadata !== "object" || Array.isArray(c.metadata))) throw new Error(`notebook cell ${i}: metadata must be an object, got ${kind(c.metadata)}`);
    if (c.cell_type === "code" && c.outputs != null && !Array.isArray(c.outputs)) throw new Error(`notebook cell ${i}: outputs must be a list, got ${kind(c.outputs)}`);
  });
}
