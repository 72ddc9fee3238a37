// torch.optim.lr_scheduler's LambdaLR and ReduceLROnPlateau over any optimizer with torch-style
// `param_groups` (each with an `lr` the optimizer reads at every step) and `defaults.lr`.
import { install_repr, scheduler_repr } from "../utils/repr";

/** One parameter group as schedulers see it. AdamW's groups satisfy this. */
export interface LRParamGroup {
  lr: number;
  initial_lr?: number;
}

/** What a scheduler needs from an optimizer (torch.optim.Optimizer's shape). */
export interface SchedulableOptimizer {
  param_groups: LRParamGroup[];
  defaults: { lr: number };
}

/** A LambdaLR multiplier: the step number in, the factor applied to the base learning rate out (torch's `lr_lambda`). */
export type LrLambda = (step: number) => number;

/** What LambdaLR.state_dict() returns and load_state_dict() takes (torch's keys; the lambdas themselves are not saved). */
export interface LambdaLRState {
  last_epoch: number;
  base_lrs: number[];
  _last_lr: number[];
  _step_count: number;
  verbose: boolean;
  lr_lambdas: null[];
}

/** Sets each group's lr to base_lr * lr_lambda(step), torch's LambdaLR. Constructing it already applies step 0. */
export class LambdaLR {
  readonly optimizer: SchedulableOptimizer;
  readonly lr_lambdas: LrLambda[];
  base_lrs: number[];
  last_epoch: number;
  _step_count = 0;
  protected _last_lr: number[] = [];
  /** Warnings the schedule factory emitted (also printed with console.warn). */
  warnings: string[] = [];

  constructor(optimizer: SchedulableOptimizer, lr_lambda: LrLambda | LrLambda[], last_epoch = -1) {
    this.optimizer = optimizer;
    const groups = optimizer.param_groups;
    if (last_epoch === -1) {
      for (const g of groups) if (g.initial_lr === undefined) g.initial_lr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initial_lr === undefined) {
          throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer (last_epoch=${last_epoch})`);
        }
      });
    }
    this.base_lrs = groups.map((g) => g.initial_lr as number);
    if (Array.isArray(lr_lambda)) {
      if (lr_lambda.length !== groups.length) throw new Error(`Expected ${groups.length} lr_lambdas, but got ${lr_lambda.length}`);
      this.lr_lambdas = [...lr_lambda];
    } else {
      this.lr_lambdas = groups.map(() => lr_lambda);
    }
    this.last_epoch = last_epoch;
    this.step();
  }

  /** The lrs for the current last_epoch (does not set them). */
  get_lr(): number[] {
    return this.base_lrs.map((base, i) => base * this.lr_lambdas[i](this.last_epoch));
  }

  /** Advances one step and writes the new lr into every param group. */
  step(): void {
    this._step_count += 1;
    this.last_epoch += 1;
    const lrs = this.get_lr();
    this.optimizer.param_groups.forEach((g, i) => (g.lr = lrs[i]));
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  /** The lr of every group after the last step (one value per group). */
  get_last_lr(): number[] {
    return [...this._last_lr];
  }

  state_dict(): LambdaLRState {
    return {
      last_epoch: this.last_epoch,
      base_lrs: [...this.base_lrs],
      _last_lr: [...this._last_lr],
      _step_count: this._step_count,
      verbose: false,
      lr_lambdas: this.lr_lambdas.map(() => null),
    };
  }

  /** Restores the position; the lambdas themselves come from the constructor, as in torch. */
  load_state_dict(state: LambdaLRState): void {
    if (!state || typeof state.last_epoch !== "number" || !Array.isArray(state.base_lrs)) {
      throw new Error(`LambdaLR.load_state_dict: expected { last_epoch, base_lrs, _last_lr, _step_count }, got ${JSON.stringify(state)}`);
    }
    if (state.base_lrs.length !== this.lr_lambdas.length) {
      throw new Error(`LambdaLR.load_state_dict: state has ${state.base_lrs.length} base_lrs but the optimizer has ${this.lr_lambdas.length} param groups`);
    }
    this.last_epoch = state.last_epoch;
    this.base_lrs = [...state.base_lrs];
    this._last_lr = [...(state._last_lr ?? [])];
    this._step_count = state._step_count ?? 0;
  }
}
install_repr(LambdaLR, (s) => scheduler_repr(s)); // one line: optimizer, last_epoch, last_lr (utils/repr.ts)

/** Options of ReduceLROnPlateau (Python: `torch.optim.lr_scheduler.ReduceLROnPlateau` keyword arguments). */
export interface ReduceLROnPlateauOptions {
  /** "min": the metric should fall (a loss); "max": it should rise (an accuracy). @default "min" */
  mode?: "min" | "max";
  /** The learning rate is multiplied by this on a plateau (must be < 1). @default 0.1 */
  factor?: number;
  /** Evaluations without improvement tolerated before the rate drops. @default 10 */
  patience?: number;
  /** The least change that counts as an improvement. @default 1e-4 */
  threshold?: number;
  /** Whether `threshold` is relative to the best value ("rel") or absolute ("abs"). @default "rel" */
  threshold_mode?: "rel" | "abs";
  /** Evaluations to wait after a drop before counting again. @default 0 */
  cooldown?: number;
  /** The lowest learning rate, one for all param groups or one per group. @default 0 */
  min_lr?: number | number[];
  /** A drop smaller than this is skipped. @default 1e-8 */
  eps?: number;
  /** Deprecated in torch; accepted and ignored here. */
  verbose?: boolean;
}

/** What ReduceLROnPlateau.state_dict() returns and load_state_dict() takes (torch's keys). */
export interface ReduceLROnPlateauState {
  mode: "min" | "max";
  factor: number;
  patience: number;
  threshold: number;
  threshold_mode: "rel" | "abs";
  cooldown: number;
  min_lrs: number[];
  eps: number;
  best: number;
  num_bad_epochs: number;
  cooldown_counter: number;
  last_epoch: number;
  _last_lr: number[];
}

/** torch's ReduceLROnPlateau: multiply every group's lr by `factor` once the metric stops improving for `patience` steps. */
export class ReduceLROnPlateau {
  readonly optimizer: SchedulableOptimizer;
  mode: "min" | "max";
  factor: number;
  patience: number;
  threshold: number;
  threshold_mode: "rel" | "abs";
  cooldown: number;
  min_lrs: number[];
  eps: number;
  best: number;
  num_bad_epochs = 0;
  cooldown_counter = 0;
  last_epoch = 0;
  protected _last_lr: number[];
  warnings: string[] = [];

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4, threshold_mode = "rel", cooldown = 0, min_lr = 0, eps = 1e-8 } = options;
    if (factor >= 1.0) throw new Error("Factor should be < 1.0.");
    this.optimizer = optimizer;
    this.factor = factor;
    const n = optimizer.param_groups.length;
    if (Array.isArray(min_lr)) {
      if (min_lr.length !== n) throw new Error(`expected ${n} min_lrs, got ${min_lr.length}`);
      this.min_lrs = [...min_lr];
    } else {
      this.min_lrs = optimizer.param_groups.map(() => min_lr);
    }
    if (mode !== "min" && mode !== "max") throw new Error(`mode ${mode} is unknown!`);
    if (threshold_mode !== "rel" && threshold_mode !== "abs") throw new Error(`threshold mode ${threshold_mode} is unknown!`);
    this.mode = mode;
    this.patience = patience;
    this.threshold = threshold;
    this.threshold_mode = threshold_mode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.best = mode === "min" ? Infinity : -Infinity;
    this._last_lr = optimizer.param_groups.map((g) => g.lr);
  }

  is_better(a: number, best: number): boolean {
    if (this.mode === "min" && this.threshold_mode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.threshold_mode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  get in_cooldown(): boolean {
    return this.cooldown_counter > 0;
  }

  /** Feeds one metric value (e.g. eval_loss); lowers the lrs when it has plateaued. */
  step(metrics: number): void {
    const current = Number(metrics); // NaN compares false everywhere, as in torch: a bad epoch
    this.last_epoch += 1;
    if (this.is_better(current, this.best)) {
      this.best = current;
      this.num_bad_epochs = 0;
    } else {
      this.num_bad_epochs += 1;
    }
    if (this.in_cooldown) {
      this.cooldown_counter -= 1;
      this.num_bad_epochs = 0;
    }
    if (this.num_bad_epochs > this.patience) {
      this.reduce_lr();
      this.cooldown_counter = this.cooldown;
      this.num_bad_epochs = 0;
    }
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  private reduce_lr(): void {
    this.optimizer.param_groups.forEach((g, i) => {
      const old_lr = g.lr;
      const new_lr = Math.max(old_lr * this.factor, this.min_lrs[i]);
      if (old_lr - new_lr > this.eps) g.lr = new_lr;
    });
  }

  get_last_lr(): number[] {
    return [...this._last_lr];
  }

  state_dict(): ReduceLROnPlateauState {
    return {
      mode: this.mode, factor: this.factor, patience: this.patience, threshold: this.threshold,
      threshold_mode: this.threshold_mode, cooldown: this.cooldown, min_lrs: [...this.min_lrs], eps: this.eps,
      best: this.best, num_bad_epochs: this.num_bad_epochs, cooldown_counter: this.cooldown_counter,
      last_epoch: this.last_epoch, _last_lr: [...this._last_lr],
    };
  }

  load_state_dict(state: ReduceLROnPlateauState): void {
    if (!state || typeof state.last_epoch !== "number" || !Array.isArray(state.min_lrs)) {
      throw new Error(`ReduceLROnPlateau.load_state_dict: expected the object state_dict() returns, got ${JSON.stringify(state)}`);
    }
    // JSON turns ±Infinity into null: an untouched `best` comes back as the mode's start value.
    const best = typeof state.best === "number" ? state.best : state.mode === "max" ? -Infinity : Infinity;
    Object.assign(this, { ...state, best, min_lrs: [...state.min_lrs], _last_lr: [...state._last_lr] });
  }
}
install_repr(ReduceLROnPlateau, (s) => scheduler_repr(s, ["mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lrs", "eps", "best", "num_bad_epochs"]));

/** A learning-rate scheduler (torch's LRScheduler): LambdaLR or ReduceLROnPlateau. */
export type LRScheduler = LambdaLR | ReduceLROnPlateau;
