// The kernel's interrupt flag, shared through a global so that every copy of bertlab loaded in the process
// (the kernel's own and the one a cell imports) sees the same state. The kernel bumps the generation on
// SIGINT / interrupt_request; long loops (the Trainer) note the generation when they start and stop at their
// next step boundary once it has moved on. Outside a kernel nothing ever bumps it.
const KEY = Symbol.for("bertlab.interrupt");

type InterruptState = { generation: number };

function state(): InterruptState {
  const g = globalThis as unknown as { [KEY]?: InterruptState };
  return (g[KEY] ??= { generation: 0 });
}

/** Number of interrupts so far in this process; note it before a long loop. */
export function interrupt_generation(): number {
  return state().generation;
}

/** Records an interrupt (the kernel calls this on SIGINT and interrupt_request). */
export function request_interrupt(): void {
  state().generation += 1;
}

/** True when an interrupt arrived after `generation` was noted. */
export function interrupted_since(generation: number): boolean {
  return state().generation !== generation;
}
