// TrainerState (saved as trainer_state.json in every checkpoint, HF's fields) and TrainerControl
// (the flags callbacks flip to make the Trainer log, evaluate, save or stop).

/** One log_history entry: { loss, learning_rate, grad_norm, epoch, step } or eval_* metrics, or the final train_* summary. */
export type LogEntry = Record<string, number>;

/**
 * The Trainer's state (Python: `transformers.TrainerState`): global_step, epoch, log_history, best metric; saved as trainer_state.json.
 * @example
 * ```ts
 * trainer.state.log_history
 * ```
 */
export class TrainerState {
  epoch: number | null = null;
  global_step = 0;
  max_steps = 0;
  logging_steps = 500;
  eval_steps = 500;
  save_steps = 500;
  train_batch_size: number | null = null;
  num_train_epochs = 0;
  total_flos = 0;
  log_history: LogEntry[] = [];
  best_metric: number | null = null;
  best_model_checkpoint: string | null = null;
  is_local_process_zero = true;
  is_world_process_zero = true;
  is_hyper_param_search = false;
  trial_name: string | null = null;
  trial_params: Record<string, unknown> | null = null;

  to_json_string(): string {
    return JSON.stringify(this, null, 2) + "\n";
  }

  static from_json(text: string, source = "trainer_state.json"): TrainerState {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
    }
    if (!raw || typeof raw !== "object" || typeof (raw as TrainerState).global_step !== "number") {
      throw new Error(`${source}: expected a trainer state with a numeric global_step`);
    }
    return Object.assign(new TrainerState(), raw);
  }
}

/**
 * The Trainer's control flags callbacks set (Python: `transformers.TrainerControl`): should_log, should_evaluate, should_save, should_training_stop.
 */
export class TrainerControl {
  should_training_stop = false;
  should_epoch_stop = false;
  should_save = false;
  should_evaluate = false;
  should_log = false;
}
