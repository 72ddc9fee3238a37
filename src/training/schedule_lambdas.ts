// The learning-rate multipliers of Hugging Face's schedules (transformers/optimization.py), as pure
// functions of the step: LambdaLR sets each group's lr = base_lr * lambda(step). Arithmetic follows
// upstream operation by operation, so the values match Python's floats.

export interface WarmupOptions {
  num_warmup_steps: number;
}

export interface DecayOptions extends WarmupOptions {
  num_training_steps: number;
}

export function constant_lambda(_step: number): number {
  return 1;
}

function warmup(step: number, num_warmup_steps: number): number {
  return step / Math.max(1, num_warmup_steps);
}

export function constant_with_warmup_lambda(step: number, o: WarmupOptions): number {
  if (step < o.num_warmup_steps) return warmup(step, o.num_warmup_steps);
  return 1.0;
}

export function linear_lambda(step: number, o: DecayOptions): number {
  if (step < o.num_warmup_steps) return warmup(step, o.num_warmup_steps);
  return Math.max(0.0, (o.num_training_steps - step) / Math.max(1, o.num_training_steps - o.num_warmup_steps));
}

/** Cosine decay after linear warmup; `min_lr_rate` (newer upstream) lifts the floor, 0 gives the 4.31 values. */
export function cosine_lambda(step: number, o: DecayOptions & { num_cycles: number; min_lr_rate?: number }): number {
  if (step < o.num_warmup_steps) return warmup(step, o.num_warmup_steps);
  const progress = (step - o.num_warmup_steps) / Math.max(1, o.num_training_steps - o.num_warmup_steps);
  let factor = 0.5 * (1.0 + Math.cos(Math.PI * o.num_cycles * 2.0 * progress));
  const min = o.min_lr_rate ?? 0;
  factor = factor * (1 - min) + min;
  return Math.max(0, factor);
}

export function cosine_with_hard_restarts_lambda(step: number, o: DecayOptions & { num_cycles: number }): number {
  if (step < o.num_warmup_steps) return warmup(step, o.num_warmup_steps);
  const progress = (step - o.num_warmup_steps) / Math.max(1, o.num_training_steps - o.num_warmup_steps);
  if (progress >= 1.0) return 0.0;
  return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * ((o.num_cycles * progress) % 1.0))));
}

export function polynomial_lambda(step: number, o: DecayOptions & { lr_end: number; power: number; lr_init: number }): number {
  if (step < o.num_warmup_steps) return warmup(step, o.num_warmup_steps);
  if (step > o.num_training_steps) return o.lr_end / o.lr_init; // LambdaLR multiplies by lr_init
  const lr_range = o.lr_init - o.lr_end;
  const decay_steps = o.num_training_steps - o.num_warmup_steps;
  if (decay_steps === 0) {
    throw new Error(`polynomial schedule: num_training_steps (${o.num_training_steps}) equals num_warmup_steps, so step ${step} divides by zero decay steps`);
  }
  const pct_remaining = 1 - (step - o.num_warmup_steps) / decay_steps;
  const decay = lr_range * Math.pow(pct_remaining, o.power) + o.lr_end;
  return decay / o.lr_init;
}

export function inverse_sqrt_lambda(step: number, o: WarmupOptions & { timescale: number }): number {
  if (step < o.num_warmup_steps) return warmup(step, o.num_warmup_steps);
  const shift = o.timescale - o.num_warmup_steps;
  return 1.0 / Math.sqrt((step + shift) / o.timescale);
}

/** Newer upstream's `cosine_warmup_with_min_lr`: warmup reaches 1 one step earlier, decay starts one step earlier. */
export function cosine_with_min_lr_lr_rate_lambda(
  step: number,
  o: DecayOptions & { num_cycles: number; min_lr_rate: number; warmup_lr_rate?: number | null },
): number {
  if (step < o.num_warmup_steps) {
    if (o.warmup_lr_rate === undefined || o.warmup_lr_rate === null) return (step + 1.0) / Math.max(1.0, o.num_warmup_steps);
    const w = o.warmup_lr_rate;
    return w + ((1.0 - w) * step) / Math.max(1, o.num_warmup_steps - 1);
  }
  const progress = (step - o.num_warmup_steps + 1.0) / Math.max(1.0, o.num_training_steps - o.num_warmup_steps);
  let factor = 0.5 * (1.0 + Math.cos(Math.PI * o.num_cycles * 2.0 * progress));
  factor = factor * (1 - o.min_lr_rate) + o.min_lr_rate;
  return Math.max(0, factor);
}

export type WsdShape = "linear" | "cosine" | "1-sqrt";

/** Warmup-stable-decay: warmup from min_lr_ratio to 1, hold, decay back to min_lr_ratio, then stay there. */
export function wsd_lambda(
  step: number,
  o: WarmupOptions & {
    num_stable_steps: number;
    num_decay_steps: number;
    warmup_type: WsdShape;
    decay_type: WsdShape;
    min_lr_ratio: number;
    num_cycles: number;
  },
): number {
  if (step < o.num_warmup_steps) {
    const progress = step / Math.max(1, o.num_warmup_steps);
    let factor: number;
    if (o.warmup_type === "linear") factor = progress;
    else if (o.warmup_type === "cosine") factor = 0.5 * (1.0 - Math.cos(Math.PI * progress));
    else factor = 1.0 - Math.sqrt(1.0 - progress);
    factor = factor * (1.0 - o.min_lr_ratio) + o.min_lr_ratio;
    return Math.max(0.0, factor);
  }
  if (step < o.num_warmup_steps + o.num_stable_steps) return 1.0;
  if (step < o.num_warmup_steps + o.num_stable_steps + o.num_decay_steps) {
    const progress = (step - o.num_warmup_steps - o.num_stable_steps) / Math.max(1, o.num_decay_steps);
    let factor: number;
    if (o.decay_type === "linear") factor = 1.0 - progress;
    else if (o.decay_type === "cosine") factor = 0.5 * (1.0 + Math.cos(Math.PI * o.num_cycles * 2.0 * progress));
    else factor = 1.0 - Math.sqrt(progress);
    factor = factor * (1.0 - o.min_lr_ratio) + o.min_lr_ratio;
    return Math.max(0.0, factor);
  }
  return o.min_lr_ratio;
}
