// TrainerCallback (HF's event names; implement any subset), the CallbackHandler that calls them in
// order, DefaultFlowCallback (decides when to log / evaluate / save / stop from TrainingArguments)
// and ProgressCallback (a cli-progress bar on a terminal; silent when stderr is not a TTY).
import * as cliProgress from "cli-progress";
import type { TrainingArguments } from "./training_args";
import { TrainerControl, type LogEntry, type TrainerState } from "./trainer_state";

/** What every callback receives besides args/state/control. */
export interface CallbackEvent {
  /** The Trainer's model, optimizer, lr_scheduler (typed loosely to keep this file model-agnostic). */
  model?: unknown;
  optimizer?: unknown;
  lr_scheduler?: unknown;
  /** on_log: the entry just appended to state.log_history. */
  logs?: LogEntry;
  /** on_evaluate: the metrics (eval_loss, eval_<metric>, ...). */
  metrics?: LogEntry;
}

type Hook = (args: TrainingArguments, state: TrainerState, control: TrainerControl, event: CallbackEvent) => TrainerControl | void;

/** Implement any of these; return a TrainerControl (or mutate the one given) to steer training. */
export interface TrainerCallback {
  on_init_end?: Hook;
  on_train_begin?: Hook;
  on_train_end?: Hook;
  on_epoch_begin?: Hook;
  on_epoch_end?: Hook;
  on_step_begin?: Hook;
  on_substep_end?: Hook;
  on_step_end?: Hook;
  on_evaluate?: Hook;
  on_predict?: Hook;
  on_save?: Hook;
  on_log?: Hook;
  on_prediction_step?: Hook;
  /** Awaited when train() / evaluate() finish, for callbacks with asynchronous work (e.g. a live chart's last redraw). */
  flush?: () => Promise<void> | void;
}

/** The event names a TrainerCallback can handle (`on_train_begin`, `on_step_end`, `on_log`, …), as in HF `TrainerCallback`. */
export type CallbackEventName = Exclude<keyof TrainerCallback, "flush">;

/** HF DefaultFlowCallback: turns logging/eval/save strategies into control flags. */
export class DefaultFlowCallback implements TrainerCallback {
  on_step_end(args: TrainingArguments, state: TrainerState, control: TrainerControl): TrainerControl {
    if (state.global_step === 1 && args.logging_first_step) control.should_log = true;
    if (args.logging_strategy === "steps" && state.global_step % state.logging_steps === 0) control.should_log = true;
    if (args.evaluation_strategy === "steps" && state.global_step % state.eval_steps === 0 && args.eval_delay <= state.global_step) control.should_evaluate = true;
    if (args.save_strategy === "steps" && state.save_steps > 0 && state.global_step % state.save_steps === 0) control.should_save = true;
    if (state.global_step >= state.max_steps) {
      control.should_training_stop = true;
      if (args.save_strategy !== "no") control.should_save = true; // newer HF: always a final checkpoint
    }
    return control;
  }

  on_epoch_end(args: TrainingArguments, state: TrainerState, control: TrainerControl): TrainerControl {
    if (args.logging_strategy === "epoch") control.should_log = true;
    if (args.evaluation_strategy === "epoch" && args.eval_delay <= (state.epoch ?? 0)) control.should_evaluate = true;
    if (args.save_strategy === "epoch") control.should_save = true;
    return control;
  }
}

function fmt(logs: LogEntry): string {
  return `{${Object.entries(logs).map(([k, v]) => `'${k}': ${v}`).join(", ")}}`;
}

/** A terminal progress bar over optimizer steps (and logs printed above it). Quiet unless stderr is a TTY. */
export class ProgressCallback implements TrainerCallback {
  private bar: cliProgress.SingleBar | null = null;
  private readonly stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
  }

  private active(args: TrainingArguments): boolean {
    return !args.disable_tqdm && Boolean(this.stream.isTTY);
  }

  on_train_begin(args: TrainingArguments, state: TrainerState): void {
    if (!this.active(args)) return;
    this.bar = new cliProgress.SingleBar(
      { stream: this.stream, format: "{bar} {value}/{total} [{duration_formatted}<{eta_formatted}] {status}", hideCursor: true, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(state.max_steps, state.global_step, { status: "" });
  }

  on_step_end(_args: TrainingArguments, state: TrainerState): void {
    this.bar?.update(state.global_step);
  }

  on_log(_args: TrainingArguments, state: TrainerState, _control: TrainerControl, event: CallbackEvent): void {
    if (!this.bar || !event.logs) return;
    const l = event.logs;
    if (typeof l.loss === "number") this.bar.update(state.global_step, { status: `loss ${l.loss}` });
    // print the entry on its own line above the bar, as tqdm.write does
    this.stream.write(`\r\x1b[K${fmt(l)}\n`);
    this.bar.render();
  }

  on_train_end(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Calls each callback's hook in order; resets the per-step flags as HF's CallbackHandler does. */
export class CallbackHandler {
  readonly callbacks: TrainerCallback[];

  constructor(callbacks: TrainerCallback[]) {
    this.callbacks = [...callbacks];
  }

  /** Waits for every callback's pending asynchronous work (`flush()`). */
  async flush(): Promise<void> {
    for (const cb of this.callbacks) if (typeof cb.flush === "function") await cb.flush();
  }

  add_callback(cb: TrainerCallback): void {
    this.callbacks.push(cb);
  }

  pop_callback(cb: TrainerCallback): TrainerCallback | undefined {
    const i = this.callbacks.indexOf(cb);
    return i >= 0 ? this.callbacks.splice(i, 1)[0] : undefined;
  }

  call(event: CallbackEventName, args: TrainingArguments, state: TrainerState, control: TrainerControl, extra: CallbackEvent = {}): TrainerControl {
    if (event === "on_train_begin") control.should_training_stop = false;
    if (event === "on_epoch_begin") control.should_epoch_stop = false;
    if (event === "on_step_begin") {
      control.should_log = false;
      control.should_evaluate = false;
      control.should_save = false;
    }
    if (event === "on_log") control.should_log = false;
    if (event === "on_evaluate") control.should_evaluate = false;
    if (event === "on_save") control.should_save = false;
    for (const cb of this.callbacks) {
      const hook = cb[event];
      if (typeof hook !== "function") continue;
      const result = hook.call(cb, args, state, control, extra);
      if (result instanceof TrainerControl) control = result;
    }
    return control;
  }
}
