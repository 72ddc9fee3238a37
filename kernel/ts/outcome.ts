// What a magic hands back: an execute outcome, with IPython's extra payloads (set_next_input), and an error outcome
// made from a name and a message (IPython's UsageError, CalledProcessError, ...).
import type { ExecuteOutcome } from "../server/executor";

export type Outcome = ExecuteOutcome & { payload?: Array<Record<string, unknown>> };

export function error(ename: string, evalue: string): ExecuteOutcome {
  return { status: "error", ename, evalue, traceback: [`\x1b[31m${ename}\x1b[0m: ${evalue}`] };
}
