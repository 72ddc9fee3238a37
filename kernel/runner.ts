// Headless notebook runner (papermill-like, no Python): executes code cells in order through a kernel (bertlab's by default),
// collects their outputs into the .ipynb (nbformat 4.5, execution counts assigned here), writes the executed
// notebook atomically plus an optional standalone HTML report, and names the first failing cell.
import * as fs from "fs";
import * as path from "path";
import { ExecuteReply, KernelClient } from "./client";
import { Message } from "./messaging";
import { writeFileAtomicSync } from "../src/utils/fs";
import { notebook_to_html } from "./html";
import {
  CodeCell,
  ErrorOutput,
  Notebook,
  Output,
  ParameterValue,
  inject_parameters,
  last_wins,
  normalize_notebook,
  read_notebook,
  source_text,
  write_notebook,
} from "./notebook";
import { DEFAULT_DISPLAY_NAME, DEFAULT_KERNEL_NAME } from "./kernelspec";

export type RunOptions = {
  /** Executed notebook path (written atomically, also when a cell fails). */
  output?: string;
  /** Standalone HTML report path. */
  html?: string;
  /** Per-cell timeout in seconds (default 600). */
  timeout_s?: number;
  /** papermill-style parameters, injected after the cell tagged `parameters`. */
  parameters?: Array<[string, ParameterValue]>;
  /** Kernel working directory (default: the notebook's folder). */
  kernel_cwd?: string;
  /** Keep executing after a failing cell (the run still reports the first failure). */
  allow_errors?: boolean;
  /** Progress lines (default: stderr). Pass `() => {}` for silence. */
  log?: (line: string) => void;
  kernel_argv?: string[];
  env?: NodeJS.ProcessEnv;
  startup_timeout_s?: number;
  /**
   * Per cell and stream, the most output lines kept (default 1,000,000). Past it, as Jupyter's
   * "Output is truncated", max_output_lines - 21 first lines and the last 20 stay and one line between says
   * `[output truncated: N lines omitted (max_output_lines is M)]`; nothing is dropped silently.
   */
  max_output_lines?: number;
};

export type CellFailure = {
  /** 0-based index of the cell in the executed notebook. */
  index: number;
  execution_count: number | null;
  first_line: string;
  ename: string;
  evalue: string;
  /** One line for humans: which cell, its first line, the error. */
  message: string;
};

export type RunResult = { notebook: Notebook; ok: boolean; failure?: CellFailure; output?: string; html?: string };

export const DEFAULT_MAX_OUTPUT_LINES = 1_000_000;
const TAIL_LINES = 20;

/** Replaces the middle of each over-long stream output with a visible marker; returns lines omitted. */
export function truncate_streams(outputs: Output[], max_lines: number): number {
  let omitted = 0;
  for (const out of outputs) {
    if (out.output_type !== "stream") continue;
    const lines = out.text.split("\n");
    const n = lines.length - (out.text.endsWith("\n") ? 1 : 0);
    if (n <= max_lines) continue;
    const tail = Math.min(TAIL_LINES, Math.floor(max_lines / 2));
    const head = max_lines - tail - 1; // the marker line counts: the result has max_lines lines
    const cut = n - head - tail;
    out.text = [...lines.slice(0, head), `[output truncated: ${cut} lines omitted (max_output_lines is ${max_lines})]`, ...lines.slice(lines.length - tail - (out.text.endsWith("\n") ? 1 : 0))].join("\n");
    omitted += cut;
  }
  return omitted;
}

// tslab (--engine tslab) aborts every request that arrives within 200 ms of a failed one.
const AFTER_ERROR_MS = 300;

/** tslab (--engine tslab) reports errors on stderr only; this recovers an `ename: evalue` from that text. */
export function error_from_stderr(stderr: string): { ename: string; evalue: string } {
  const lines = stderr.split("\n").map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trimEnd()).filter(Boolean);
  for (const line of lines) {
    const diag = /^(?:\S+ )?(\d+:\d+) - (.*)$/.exec(line);
    if (diag) return { ename: "TSError", evalue: `${diag[1]} - ${diag[2]}` };
  }
  for (const line of lines) {
    const m = /^(?:Uncaught\s+)?((?:[A-Za-z_$][\w$.]*)?(?:Error|Exception))(?:\s*\[[^\]]*\])?(?::\s*(.*))?$/.exec(line);
    if (m) return { ename: m[1], evalue: m[2] ?? "" };
  }
  return { ename: "Error", evalue: lines[0] ?? "(no message on stderr)" };
}

function first_line(src: string): string {
  const line = src.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 80 ? line.slice(0, 77) + "..." : line;
}

type Target = { cell: CodeCell; execution_count: number; clear_pending: boolean };

/**
 * Turns iopub messages into nbformat outputs (stream merging, display updates, clear_output). Messages are
 * routed by their request: output that arrives after its cell finished (a live chart's last drawing) still
 * lands in that cell, like Jupyter's Python kernel forwards late output.
 */
class OutputCollector {
  private displays = new Map<string, Array<{ outputs: Output[]; index: number }>>();
  private targets = new Map<string, Target>();
  /** stderr text and error of the request now executing (tslab reports errors on stderr only). */
  stderr = "";
  error?: ErrorOutput;
  private current = "";

  start(msg_id: string, cell: CodeCell, execution_count: number): void {
    this.targets.set(msg_id, { cell, execution_count, clear_pending: false });
    this.current = msg_id;
    this.stderr = "";
    this.error = undefined;
  }

  private push(t: Target, out: Output): number {
    const outs = t.cell.outputs;
    if (t.clear_pending) {
      outs.length = 0;
      t.clear_pending = false;
    }
    const last = outs[outs.length - 1];
    if (out.output_type === "stream" && last?.output_type === "stream" && last.name === out.name) {
      last.text += out.text;
      return outs.length - 1;
    }
    outs.push(out);
    return outs.length - 1;
  }

  /** update_display_data replaces every output shown with that display_id, in whichever cell it is. */
  private update_display(m: Message): void {
    for (const ref of this.displays.get(m.content.transient?.display_id ?? "") ?? []) {
      const out = ref.outputs[ref.index];
      if (out && out.output_type === "display_data") {
        out.data = m.content.data ?? {};
        out.metadata = m.content.metadata ?? {};
      }
    }
  }

  handle(m: Message): void {
    const parent = String(m.parent_header.msg_id ?? "");
    if (m.header.msg_type === "update_display_data") return this.update_display(m);
    const t = this.targets.get(parent);
    if (!t) return;
    const c = m.content;
    const now = parent === this.current;
    switch (m.header.msg_type) {
      case "stream":
        if (now && c.name === "stderr") this.stderr += c.text;
        this.push(t, { output_type: "stream", name: c.name === "stderr" ? "stderr" : "stdout", text: String(c.text) });
        break;
      case "display_data": {
        const i = this.push(t, { output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} });
        const display_id: string | undefined = c.transient?.display_id;
        if (display_id) {
          const refs = this.displays.get(display_id) ?? [];
          refs.push({ outputs: t.cell.outputs, index: i });
          this.displays.set(display_id, refs);
        }
        break;
      }
      case "execute_result":
        this.push(t, { output_type: "execute_result", data: c.data ?? {}, metadata: c.metadata ?? {}, execution_count: t.execution_count });
        break;
      case "error": {
        const err: ErrorOutput = { output_type: "error", ename: String(c.ename), evalue: String(c.evalue), traceback: c.traceback ?? [] };
        if (now) this.error = err;
        this.push(t, err);
        break;
      }
      case "clear_output":
        if (c.wait) t.clear_pending = true;
        else t.cell.outputs.length = 0;
        break;
    }
  }
}

/** Executes a notebook (path or object). Never throws for a failing cell: see `result.failure`. */
/** Same file? By path, and by device + inode when both exist (a symlink or a hard link to the other). */
function same_file(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Refuses output paths that would overwrite each other or the input with another format (before anything runs). */
export function check_output_paths(input: string | null, opts: { output?: string; html?: string }): void {
  if (opts.output && opts.html && same_file(opts.output, opts.html)) {
    throw new Error(`run: --output and --html both name ${path.resolve(opts.output)}; the HTML report would replace the executed notebook — give them different files`);
  }
  if (input && opts.html && same_file(input, opts.html)) {
    throw new Error(`run: --html names the input notebook ${path.resolve(input)}; the HTML report would replace it — give the report another file`);
  }
}

export async function run_notebook(input: string | Notebook, opts: RunOptions = {}): Promise<RunResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + "\n"));
  check_output_paths(typeof input === "string" ? input : null, opts);
  const nb = normalize_notebook(typeof input === "string" ? read_notebook(input) : structuredClone(input));
  const where = typeof input === "string" ? path.dirname(path.resolve(input)) : process.cwd();
  if (opts.parameters?.length) inject_parameters(nb, opts.parameters);
  for (const cell of nb.cells) {
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
  }

  const timeout_ms = (opts.timeout_s ?? 600) * 1000;
  const kernel = await KernelClient.start({
    cwd: path.resolve(opts.kernel_cwd ?? where),
    argv: opts.kernel_argv,
    env: opts.env,
    startup_timeout_ms: (opts.startup_timeout_s ?? 60) * 1000,
  });
  nb.metadata.kernelspec = { name: DEFAULT_KERNEL_NAME, display_name: DEFAULT_DISPLAY_NAME, language: "typescript" };
  if (kernel.language_info) nb.metadata.language_info = kernel.language_info;

  let failure: CellFailure | undefined;
  const start_time = new Date();
  const code_cells = nb.cells.filter((c) => c.cell_type === "code" && source_text(c).trim() !== "").length;
  let count = 0;
  const collector = new OutputCollector();
  kernel.unrouted = (m) => collector.handle(m);
  try {
    for (let index = 0; index < nb.cells.length; index++) {
      const cell = nb.cells[index];
      if (cell.cell_type !== "code") continue;
      const src = source_text(cell);
      if (src.trim() === "") continue;
      const n = ++count;
      cell.execution_count = n;
      const t0 = Date.now();
      const started = new Date().toISOString();
      let reply: ExecuteReply;
      try {
        reply = await kernel.execute(src, (m) => collector.handle(m), timeout_ms, (msg_id) => collector.start(msg_id, cell, n));
      } catch (e) {
        // The kernel process died (process.exit in a cell, out of memory, a crash in native code).
        reply = { status: "error" };
        collector.error = { output_type: "error", ename: "KernelDied", evalue: (e as Error).message.split("\n")[0], traceback: [] };
        cell.outputs.push(collector.error);
      }
      cell.metadata.execution = { "iopub.status.busy": started, "shell.execute_reply": new Date().toISOString() };
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (reply.status === "ok") {
        log(`[${n}/${code_cells}] cell ${index} ok (${secs} s)`);
        continue;
      }
      let { ename, evalue } = collector.error ?? error_from_stderr(collector.stderr);
      if (reply.status === "timeout") {
        ename = "TimeoutError";
        evalue = `cell did not finish within ${opts.timeout_s ?? 600} s (interrupted)`;
      } else if (reply.status === "aborted") {
        ename = "Aborted";
        evalue = "the kernel aborted this request (it arrived too soon after a failing cell)";
      }
      if (!collector.error) {
        cell.outputs.push({ output_type: "error", ename, evalue, traceback: [] });
      }
      log(`[${n}/${code_cells}] cell ${index} ${reply.status} (${secs} s): ${ename}: ${evalue}`);
      if (!failure) {
        const line = first_line(src);
        failure = {
          index,
          execution_count: n,
          first_line: line,
          ename,
          evalue,
          message: `cell ${index} (In [${n}]) failed: ${ename}: ${evalue}\n  first line: ${line}`,
        };
      }
      if (!opts.allow_errors || reply.status === "timeout" || !kernel.alive) break;
      await new Promise((res) => setTimeout(res, AFTER_ERROR_MS));
    }
    await kernel.settle();
  } finally {
    await kernel.shutdown();
  }
  if (kernel.output_lost && !failure) {
    // The kernel could not publish some output (tslab_launch.ts reports it): the notebook is incomplete.
    const evalue = "the kernel reported lost output messages (see its log); the executed notebook is incomplete";
    log(`error: ${evalue}`);
    failure = { index: -1, execution_count: null, first_line: "", ename: "OutputLost", evalue, message: `OutputLost: ${evalue}` };
  }
  const max_lines = opts.max_output_lines ?? DEFAULT_MAX_OUTPUT_LINES;
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const omitted = truncate_streams(cell.outputs, max_lines);
    if (omitted) log(`cell ${index}: output truncated: ${omitted} lines omitted (max_output_lines is ${max_lines})`);
  });

  // Run record, like papermill's metadata.papermill.
  nb.metadata.bertlab = {
    parameters: Object.fromEntries(last_wins(opts.parameters ?? [])),
    start_time: start_time.toISOString(),
    end_time: new Date().toISOString(),
    duration_s: (Date.now() - start_time.getTime()) / 1000,
    status: failure ? "failed" : "completed",
    ...(failure ? { failure: { cell: failure.index, ename: failure.ename, evalue: failure.evalue } } : {}),
  };
  const result: RunResult = { notebook: nb, ok: !failure, failure };
  if (opts.output) {
    write_notebook(opts.output, nb);
    result.output = path.resolve(opts.output);
  }
  if (opts.html) {
    const title = typeof input === "string" ? path.basename(input, ".ipynb") : "notebook";
    writeFileAtomicSync(opts.html, await notebook_to_html(nb, { title, failure: failure?.message }));
    result.html = path.resolve(opts.html);
  }
  return result;
}
