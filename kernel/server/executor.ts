// What the protocol layer needs from a language: the interface an executor implements (kernel/ts/ is the
// TypeScript one). Nothing here knows zeromq; nothing in an executor knows Jupyter's wire format.
import type { Bundle } from "./iopub";

export type ExecuteOk = {
  status: "ok";
  /** The value of the cell's last expression as a MIME bundle (execute_result), if it has one. */
  result?: Bundle;
  /** Pager output (IPython's `object?`): shown by the front end, not as a cell output. */
  page?: Bundle;
  /** Further execute_reply payloads (IPython's set_next_input from %load). */
  payload?: Array<Record<string, unknown>>;
};
export type ExecuteError = { status: "error"; ename: string; evalue: string; traceback: string[] };
export type ExecuteOutcome = ExecuteOk | ExecuteError;

export type Completion = { matches: string[]; cursor_start: number; cursor_end: number; metadata: Record<string, unknown> };
export type Inspection = { found: boolean; data: Record<string, string>; metadata: Record<string, unknown> };
export type Completeness = { status: "complete" | "incomplete" | "invalid" | "unknown"; indent?: string };

export interface Executor {
  /** kernel_info_reply's language_info, implementation, banner, help_links. */
  readonly info: {
    implementation: string;
    implementation_version: string;
    banner: string;
    help_links: Array<{ text: string; url: string }>;
    language_info: Record<string, unknown>;
  };
  /** Runs one cell. Output produced meanwhile goes through process.stdout/stderr and the kernel display hook. */
  execute(code: string, execution_count: number): Promise<ExecuteOutcome>;
  /**
   * An execute_request's user_expressions: each evaluated after the cell, in its names, leaving nothing behind;
   * the value as a MIME bundle, or the error.
   */
  evaluate?(expression: string): Promise<{ status: "ok"; data: Record<string, unknown>; metadata: Record<string, unknown> } | ExecuteError>;
  /** Cursor positions are JavaScript string offsets (the protocol layer converts from code points). */
  complete(code: string, cursor: number): Completion;
  inspect(code: string, cursor: number, detail_level: number): Inspection;
  is_complete(code: string): Completeness;
  /** Stops the running cell (SIGINT or interrupt_request); the executor keeps its state. */
  interrupt(): void;
  /** Optional work done while idle after startup (loading a compiler), as steps run one per event-loop turn. */
  warm_steps?(): Array<() => void>;
}
