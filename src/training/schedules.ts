// Hugging Face's schedule factories (transformers.optimization) with their names, defaults and
// errors, `get_scheduler(name, ...)`, the pure `lr_lambda(name, options)` that plots use, and
// SCHEDULES: every schedule with its parameters, for the schedule explorer.
import { pyfloat } from "./pyrepr";
import { LambdaLR, ReduceLROnPlateau, type LrLambda, type ReduceLROnPlateauOptions, type SchedulableOptimizer } from "./lr_scheduler";
import {
  constant_lambda, constant_with_warmup_lambda, cosine_lambda, cosine_with_hard_restarts_lambda,
  cosine_with_min_lr_lr_rate_lambda, inverse_sqrt_lambda, linear_lambda, polynomial_lambda, wsd_lambda, type WsdShape,
} from "./schedule_lambdas";

/** HF's SchedulerType values (4.31 plus the later cosine_with_min_lr, cosine_warmup_with_min_lr, warmup_stable_decay). */
export const SchedulerType = {
  LINEAR: "linear",
  COSINE: "cosine",
  COSINE_WITH_RESTARTS: "cosine_with_restarts",
  POLYNOMIAL: "polynomial",
  CONSTANT: "constant",
  CONSTANT_WITH_WARMUP: "constant_with_warmup",
  INVERSE_SQRT: "inverse_sqrt",
  REDUCE_ON_PLATEAU: "reduce_lr_on_plateau",
  COSINE_WITH_MIN_LR: "cosine_with_min_lr",
  COSINE_WARMUP_WITH_MIN_LR: "cosine_warmup_with_min_lr",
  WARMUP_STABLE_DECAY: "warmup_stable_decay",
} as const;
export type SchedulerType = (typeof SchedulerType)[keyof typeof SchedulerType];

/** Every option any schedule takes, with the Python keyword names. */
export interface ScheduleKwargs {
  num_warmup_steps?: number;
  num_training_steps?: number | null;
  num_cycles?: number;
  lr_end?: number;
  power?: number;
  timescale?: number | null;
  min_lr?: number | null;
  min_lr_rate?: number | null;
  warmup_lr_rate?: number | null;
  num_decay_steps?: number;
  num_stable_steps?: number | null;
  warmup_type?: WsdShape;
  decay_type?: WsdShape;
  min_lr_ratio?: number;
  last_epoch?: number;
}

/** Options of the pure form: the schedule's own options, plus `base_lr` where the factor depends on it. */
export interface LrLambdaOptions extends ScheduleKwargs {
  /** The optimizer's initial lr; needed by `polynomial` (absolute lr_end) and by `min_lr`. */
  base_lr?: number;
  /** Alias of base_lr (the plots' option name). */
  lr?: number;
  /** Other keys (e.g. a plot's own options, or another schedule's) are ignored by the pure form. */
  [key: string]: unknown;
}

/** One parameter of a learning-rate schedule in SCHEDULES: its Python name, kind, default and description. */
export interface ScheduleParam {
  name: string;
  type: "int" | "float" | "choice";
  required: boolean;
  default?: number | string | null;
  choices?: string[];
  description: string;
}

/** A learning-rate schedule described for SCHEDULES (the schedule explorer reads it): name, factory, parameters. */
export interface ScheduleInfo {
  /** SchedulerType value (what TrainingArguments.lr_scheduler_type takes). */
  name: SchedulerType;
  /** The upstream factory function name. */
  function: string;
  description: string;
  /** The schedule's parameters (besides the optimizer). */
  params: ScheduleParam[];
  /** True for schedules driven by a metric (reduce_lr_on_plateau): no lr_lambda. */
  metric_driven?: boolean;
}

const WARMUP: ScheduleParam = { name: "num_warmup_steps", type: "int", required: true, description: "steps of linear warmup from 0 to the initial lr" };
const TOTAL: ScheduleParam = { name: "num_training_steps", type: "int", required: true, description: "total number of training steps" };
const SHAPES = ["linear", "cosine", "1-sqrt"];

/** Every schedule bertlab implements, in upstream's TYPE_TO_SCHEDULER_FUNCTION order. */
export const SCHEDULES: ScheduleInfo[] = [
  { name: "linear", function: "get_linear_schedule_with_warmup", description: "linear warmup, then linear decay to 0 at num_training_steps", params: [WARMUP, TOTAL] },
  {
    name: "cosine", function: "get_cosine_schedule_with_warmup", description: "linear warmup, then cosine decay (half a wave to 0 by default)",
    params: [WARMUP, TOTAL, { name: "num_cycles", type: "float", required: false, default: 0.5, description: "number of cosine waves (0.5 = decrease to 0)" }],
  },
  {
    name: "cosine_with_restarts", function: "get_cosine_with_hard_restarts_schedule_with_warmup", description: "linear warmup, then cosine decays with hard restarts",
    params: [WARMUP, TOTAL, { name: "num_cycles", type: "int", required: false, default: 1, description: "number of hard restarts" }],
  },
  {
    name: "polynomial", function: "get_polynomial_decay_schedule_with_warmup", description: "linear warmup, then polynomial decay from the initial lr to lr_end",
    params: [
      WARMUP, TOTAL,
      { name: "lr_end", type: "float", required: false, default: 1e-7, description: "final lr (absolute; must be below the initial lr)" },
      { name: "power", type: "float", required: false, default: 1.0, description: "power of the decay (1 = linear)" },
    ],
  },
  { name: "constant", function: "get_constant_schedule", description: "the optimizer's lr throughout", params: [] },
  { name: "constant_with_warmup", function: "get_constant_schedule_with_warmup", description: "linear warmup, then constant", params: [WARMUP] },
  {
    name: "inverse_sqrt", function: "get_inverse_sqrt_schedule", description: "linear warmup, then lr ∝ 1/sqrt(step)",
    params: [WARMUP, { name: "timescale", type: "int", required: false, default: null, description: "time scale (defaults to num_warmup_steps, or 10000 when that is 0)" }],
  },
  {
    name: "reduce_lr_on_plateau", function: "get_reduce_on_plateau_schedule", metric_driven: true,
    description: "constant lr, multiplied by factor when the eval metric stops improving (torch ReduceLROnPlateau)",
    params: [
      { name: "mode", type: "choice", required: false, default: "min", choices: ["min", "max"], description: "whether the metric should go down or up" },
      { name: "factor", type: "float", required: false, default: 0.1, description: "lr multiplier on a plateau (< 1)" },
      { name: "patience", type: "int", required: false, default: 10, description: "bad evaluations tolerated before reducing" },
      { name: "threshold", type: "float", required: false, default: 1e-4, description: "minimal change that counts as improvement" },
      { name: "threshold_mode", type: "choice", required: false, default: "rel", choices: ["rel", "abs"], description: "relative or absolute threshold" },
      { name: "cooldown", type: "int", required: false, default: 0, description: "evaluations to wait after a reduction" },
      { name: "min_lr", type: "float", required: false, default: 0, description: "lower bound on the lr" },
      { name: "eps", type: "float", required: false, default: 1e-8, description: "reductions smaller than this are skipped" },
    ],
  },
  {
    name: "cosine_with_min_lr", function: "get_cosine_with_min_lr_schedule_with_warmup", description: "cosine decay to min_lr (or min_lr_rate × initial lr) after linear warmup",
    params: [
      WARMUP, TOTAL,
      { name: "num_cycles", type: "float", required: false, default: 0.5, description: "number of cosine waves" },
      { name: "min_lr", type: "float", required: false, default: null, description: "final lr (absolute); set this or min_lr_rate" },
      { name: "min_lr_rate", type: "float", required: false, default: null, description: "final lr as a fraction of the initial lr" },
    ],
  },
  {
    name: "cosine_warmup_with_min_lr", function: "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    description: "like cosine_with_min_lr, with a warmup that starts at warmup_lr_rate and reaches the peak one step earlier",
    params: [
      WARMUP, TOTAL,
      { name: "num_cycles", type: "float", required: false, default: 0.5, description: "number of cosine waves" },
      { name: "min_lr", type: "float", required: false, default: null, description: "final lr (absolute); set this or min_lr_rate" },
      { name: "min_lr_rate", type: "float", required: false, default: null, description: "final lr as a fraction of the initial lr" },
      { name: "warmup_lr_rate", type: "float", required: false, default: null, description: "first warmup lr as a fraction of the initial lr" },
    ],
  },
  {
    name: "warmup_stable_decay", function: "get_wsd_schedule", description: "warmup, a stable phase at the peak, then decay to min_lr_ratio",
    params: [
      WARMUP,
      { name: "num_decay_steps", type: "int", required: true, description: "steps of the decay phase" },
      { name: "num_training_steps", type: "int", required: false, default: null, description: "total steps (stable = total − warmup − decay) if num_stable_steps is not set" },
      { name: "num_stable_steps", type: "int", required: false, default: null, description: "steps at the peak lr" },
      { name: "warmup_type", type: "choice", required: false, default: "linear", choices: SHAPES, description: "shape of the warmup" },
      { name: "decay_type", type: "choice", required: false, default: "cosine", choices: SHAPES, description: "shape of the decay" },
      { name: "min_lr_ratio", type: "float", required: false, default: 0, description: "start and end lr as a fraction of the peak" },
      { name: "num_cycles", type: "float", required: false, default: 0.5, description: "cosine waves in a cosine decay" },
    ],
  },
];

const BY_NAME = new Map<string, ScheduleInfo>();
for (const s of SCHEDULES) {
  BY_NAME.set(s.name, s);
  BY_NAME.set(s.function, s);
}

function info(name: string, caller: string): ScheduleInfo {
  const s = BY_NAME.get(name);
  if (!s) {
    throw new Error(`${caller}: ${name} is not a valid SchedulerType, please select one of [${SCHEDULES.map((x) => `'${x.name}'`).join(", ")}]`);
  }
  return s;
}

function checkKwargs(s: ScheduleInfo, options: object, extra: string[] = []): void {
  const known = new Set([...s.params.map((p) => p.name), "last_epoch", ...extra]);
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new TypeError(`${s.function}() got an unexpected keyword argument '${k}'`);
  }
}

function need(s: ScheduleInfo, o: ScheduleKwargs, key: "num_warmup_steps" | "num_training_steps" | "num_decay_steps"): number {
  const v = o[key] ?? undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`${s.function}() missing required argument: '${key}' (got ${String(v)})`);
  }
  return v;
}

interface Built {
  lambda: LrLambda;
  warnings: string[];
}

/** Builds the multiplier for one schedule; `lr_init` is the optimizer's initial lr (defaults.lr) where needed. */
function build(s: ScheduleInfo, o: ScheduleKwargs, lr_init: number | undefined): Built {
  const warnings: string[] = [];
  const needLr = (why: string): number => {
    if (typeof lr_init !== "number") throw new Error(`${s.function}: ${why} needs the optimizer's initial lr (pass base_lr to lr_lambda)`);
    return lr_init;
  };
  switch (s.name) {
    case "constant":
      return { lambda: constant_lambda, warnings };
    case "constant_with_warmup": {
      const num_warmup_steps = need(s, o, "num_warmup_steps");
      return { lambda: (t) => constant_with_warmup_lambda(t, { num_warmup_steps }), warnings };
    }
    case "linear": {
      const opts = { num_warmup_steps: need(s, o, "num_warmup_steps"), num_training_steps: need(s, o, "num_training_steps") };
      return { lambda: (t) => linear_lambda(t, opts), warnings };
    }
    case "cosine": {
      const opts = { num_warmup_steps: need(s, o, "num_warmup_steps"), num_training_steps: need(s, o, "num_training_steps"), num_cycles: o.num_cycles ?? 0.5 };
      return { lambda: (t) => cosine_lambda(t, opts), warnings };
    }
    case "cosine_with_restarts": {
      const opts = { num_warmup_steps: need(s, o, "num_warmup_steps"), num_training_steps: need(s, o, "num_training_steps"), num_cycles: o.num_cycles ?? 1 };
      return { lambda: (t) => cosine_with_hard_restarts_lambda(t, opts), warnings };
    }
    case "polynomial": {
      const lr_end = o.lr_end ?? 1e-7;
      const init = needLr("lr_end");
      if (!(init > lr_end)) throw new Error(`lr_end (${pyfloat(lr_end)}) must be be smaller than initial lr (${pyfloat(init)})`);
      const opts = { num_warmup_steps: need(s, o, "num_warmup_steps"), num_training_steps: need(s, o, "num_training_steps"), lr_end, power: o.power ?? 1.0, lr_init: init };
      return { lambda: (t) => polynomial_lambda(t, opts), warnings };
    }
    case "inverse_sqrt": {
      const num_warmup_steps = need(s, o, "num_warmup_steps");
      const timescale = o.timescale ?? (num_warmup_steps || 10_000); // newer upstream default (4.31 divided by zero at warmup 0)
      return { lambda: (t) => inverse_sqrt_lambda(t, { num_warmup_steps, timescale }), warnings };
    }
    case "cosine_with_min_lr":
    case "cosine_warmup_with_min_lr": {
      const min_lr = o.min_lr ?? null;
      let min_lr_rate = o.min_lr_rate ?? null;
      if (min_lr !== null && min_lr_rate !== null) throw new Error("Only one of min_lr or min_lr_rate should be set");
      else if (min_lr !== null) min_lr_rate = min_lr / needLr("min_lr");
      else if (min_lr_rate === null) throw new Error("One of min_lr or min_lr_rate should be set through the `lr_scheduler_kwargs`");
      const base = {
        num_warmup_steps: need(s, o, "num_warmup_steps"), num_training_steps: need(s, o, "num_training_steps"),
        num_cycles: o.num_cycles ?? 0.5, min_lr_rate: min_lr_rate as number,
      };
      if (s.name === "cosine_with_min_lr") return { lambda: (t) => cosine_lambda(t, base), warnings };
      const opts = { ...base, warmup_lr_rate: o.warmup_lr_rate ?? null };
      return { lambda: (t) => cosine_with_min_lr_lr_rate_lambda(t, opts), warnings };
    }
    case "warmup_stable_decay": {
      const num_training_steps = o.num_training_steps ?? null;
      let num_stable_steps = o.num_stable_steps ?? null;
      if (num_training_steps === null && num_stable_steps === null) throw new Error("Either num_training_steps or num_stable_steps must be specified.");
      if (num_training_steps !== null && num_stable_steps !== null) warnings.push("Both num_training_steps and num_stable_steps are specified. num_stable_steps will be used.");
      const warmup_type = o.warmup_type ?? "linear";
      const decay_type = o.decay_type ?? "cosine";
      if (!SHAPES.includes(warmup_type)) throw new Error(`Unknown warmup type: ${warmup_type}, expected 'linear', 'cosine' or '1-sqrt'`);
      if (!SHAPES.includes(decay_type)) throw new Error(`Unknown decay type: ${decay_type}, expected 'linear', 'cosine' or '1-sqrt'`);
      const num_warmup_steps = need(s, o, "num_warmup_steps");
      const num_decay_steps = need(s, o, "num_decay_steps");
      if (num_stable_steps === null) num_stable_steps = (num_training_steps as number) - num_warmup_steps - num_decay_steps;
      const opts = { num_warmup_steps, num_stable_steps, num_decay_steps, warmup_type, decay_type, min_lr_ratio: o.min_lr_ratio ?? 0, num_cycles: o.num_cycles ?? 0.5 };
      return { lambda: (t) => wsd_lambda(t, opts), warnings };
    }
    default:
      throw new Error(`${s.function} is metric-driven (ReduceLROnPlateau) and has no lr_lambda`);
  }
}

/**
 * Python's argument binding for the factories: `args` are what followed the optimizer — keyword options
 * (`{ num_warmup_steps: 100, ... }`), or positional values in the Python signature's order (`100, 1000`), optionally
 * followed by an options object for the rest (Python's `f(opt, 100, num_training_steps=1000)`). Errors as Python's
 * TypeError words them.
 */
function bind(fn: string, order: readonly string[], args: unknown[]): ScheduleKwargs {
  const last = args[args.length - 1];
  const has_kw = args.length > 0 && typeof last === "object" && last !== null && !Array.isArray(last);
  const positional = has_kw ? args.slice(0, -1) : args;
  const kw = (has_kw ? { ...(last as object) } : {}) as Record<string, unknown>;
  if (positional.length > order.length) {
    throw new TypeError(`${fn}() takes at most ${order.length + 1} positional arguments (optimizer, ${order.join(", ")}) but ${positional.length + 1} were given`);
  }
  positional.forEach((v, i) => {
    const name = order[i];
    if (Object.prototype.hasOwnProperty.call(kw, name)) throw new TypeError(`${fn}() got multiple values for argument '${name}'`);
    if (v === undefined) return;
    if (typeof v === "object" && v !== null) throw new TypeError(`${fn}(): argument ${i + 2} ('${name}') must be a number, got an object; keyword options go last`);
    kw[name] = v;
  });
  return kw as ScheduleKwargs;
}

/** Where Python's signature puts `last_epoch` when it is not last: after this parameter. */
const LAST_EPOCH_AFTER: Record<string, string> = {
  get_cosine_with_min_lr_schedule_with_warmup: "num_cycles",
  get_cosine_with_min_lr_schedule_with_warmup_lr_rate: "num_cycles",
};

/** A factory's parameters after the optimizer in Python's positional order: SCHEDULES' params, with last_epoch placed. */
function python_order(s: ScheduleInfo): string[] {
  const order = s.params.map((p) => p.name);
  const after = LAST_EPOCH_AFTER[s.function];
  order.splice(after === undefined ? order.length : order.indexOf(after) + 1, 0, "last_epoch");
  return order;
}

/** A factory call as Python binds it: `args` (what followed the optimizer) bound to the factory's parameters, then the LambdaLR. */
function factory(fn: string, optimizer: SchedulableOptimizer, args: unknown[]): LambdaLR {
  return makeLambdaLR(fn, optimizer, bind(fn, python_order(info(fn, fn)), args));
}

function makeLambdaLR(fn: string, optimizer: SchedulableOptimizer, options: ScheduleKwargs): LambdaLR {
  const s = info(fn, fn);
  checkKwargs(s, options);
  const { lambda, warnings } = build(s, options, optimizer.defaults?.lr);
  for (const w of warnings) console.warn(w);
  const sched = new LambdaLR(optimizer, lambda, options.last_epoch ?? -1);
  sched.warnings = warnings;
  return sched;
}

/**
 * A constant learning rate (Python: `transformers.get_constant_schedule`).
 * @example
 * ```ts
 * const scheduler = get_constant_schedule(optimizer)
 * ```
 */
export function get_constant_schedule(optimizer: SchedulableOptimizer, options?: { last_epoch?: number }): LambdaLR;
export function get_constant_schedule(optimizer: SchedulableOptimizer, last_epoch?: number): LambdaLR;
export function get_constant_schedule(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_constant_schedule", optimizer, args);
}
/**
 * Linear warmup, then constant (Python: `transformers.get_constant_schedule_with_warmup`).
 * @example
 * ```ts
 * get_constant_schedule_with_warmup(optimizer, { num_warmup_steps: 100 })
 * ```
 */
export function get_constant_schedule_with_warmup(optimizer: SchedulableOptimizer, options: { num_warmup_steps: number; last_epoch?: number }): LambdaLR;
export function get_constant_schedule_with_warmup(optimizer: SchedulableOptimizer, num_warmup_steps: number, last_epoch?: number): LambdaLR;
export function get_constant_schedule_with_warmup(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_constant_schedule_with_warmup", optimizer, args);
}
/**
 * Linear warmup, then linear decay to 0 (Python: `transformers.get_linear_schedule_with_warmup`).
 * @example
 * ```ts
 * const scheduler = get_linear_schedule_with_warmup(optimizer, { num_warmup_steps: 100, num_training_steps: 1000 }); scheduler.step()
 * get_linear_schedule_with_warmup(optimizer, 100, 1000)   // Python's positional form works too
 * ```
 */
export function get_linear_schedule_with_warmup(
  optimizer: SchedulableOptimizer,
  options: { num_warmup_steps: number; num_training_steps: number; last_epoch?: number },
): LambdaLR;
export function get_linear_schedule_with_warmup(optimizer: SchedulableOptimizer, num_warmup_steps: number, num_training_steps: number, last_epoch?: number): LambdaLR;
export function get_linear_schedule_with_warmup(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_linear_schedule_with_warmup", optimizer, args);
}
/**
 * Linear warmup, then cosine decay to 0 (Python: `transformers.get_cosine_schedule_with_warmup`).
 * @example
 * ```ts
 * get_cosine_schedule_with_warmup(optimizer, { num_warmup_steps: 100, num_training_steps: 1000 })
 * ```
 */
export function get_cosine_schedule_with_warmup(
  optimizer: SchedulableOptimizer,
  options: { num_warmup_steps: number; num_training_steps: number; num_cycles?: number; last_epoch?: number },
): LambdaLR;
export function get_cosine_schedule_with_warmup(optimizer: SchedulableOptimizer, num_warmup_steps: number, num_training_steps: number, num_cycles?: number, last_epoch?: number): LambdaLR;
export function get_cosine_schedule_with_warmup(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_cosine_schedule_with_warmup", optimizer, args);
}
/**
 * Linear warmup, then cosine decay with hard restarts (Python: `transformers.get_cosine_with_hard_restarts_schedule_with_warmup`).
 * @example
 * ```ts
 * get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, { num_warmup_steps: 100, num_training_steps: 1000, num_cycles: 3 })
 * ```
 */
export function get_cosine_with_hard_restarts_schedule_with_warmup(
  optimizer: SchedulableOptimizer,
  options: { num_warmup_steps: number; num_training_steps: number; num_cycles?: number; last_epoch?: number },
): LambdaLR;
export function get_cosine_with_hard_restarts_schedule_with_warmup(optimizer: SchedulableOptimizer, num_warmup_steps: number, num_training_steps: number, num_cycles?: number, last_epoch?: number): LambdaLR;
export function get_cosine_with_hard_restarts_schedule_with_warmup(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_cosine_with_hard_restarts_schedule_with_warmup", optimizer, args);
}
/**
 * Linear warmup, then polynomial decay to lr_end (Python: `transformers.get_polynomial_decay_schedule_with_warmup`).
 * @example
 * ```ts
 * get_polynomial_decay_schedule_with_warmup(optimizer, { num_warmup_steps: 100, num_training_steps: 1000, power: 2 })
 * ```
 */
export function get_polynomial_decay_schedule_with_warmup(
  optimizer: SchedulableOptimizer,
  options: { num_warmup_steps: number; num_training_steps: number; lr_end?: number; power?: number; last_epoch?: number },
): LambdaLR;
export function get_polynomial_decay_schedule_with_warmup(optimizer: SchedulableOptimizer, num_warmup_steps: number, num_training_steps: number, lr_end?: number, power?: number, last_epoch?: number): LambdaLR;
export function get_polynomial_decay_schedule_with_warmup(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_polynomial_decay_schedule_with_warmup", optimizer, args);
}
/**
 * Warmup, then lr ∝ 1/√step (Python: `transformers.get_inverse_sqrt_schedule`).
 * @example
 * ```ts
 * get_inverse_sqrt_schedule(optimizer, { num_warmup_steps: 100 })
 * ```
 */
export function get_inverse_sqrt_schedule(
  optimizer: SchedulableOptimizer,
  options: { num_warmup_steps: number; timescale?: number | null; last_epoch?: number },
): LambdaLR;
export function get_inverse_sqrt_schedule(optimizer: SchedulableOptimizer, num_warmup_steps: number, timescale?: number | null, last_epoch?: number): LambdaLR;
export function get_inverse_sqrt_schedule(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_inverse_sqrt_schedule", optimizer, args);
}
/**
 * Linear warmup, then cosine decay to a minimum lr (Python: `transformers.get_cosine_with_min_lr_schedule_with_warmup`).
 * @example
 * ```ts
 * get_cosine_with_min_lr_schedule_with_warmup(optimizer, { num_warmup_steps: 100, num_training_steps: 1000, min_lr: 1e-6 })
 * ```
 */
export function get_cosine_with_min_lr_schedule_with_warmup(
  optimizer: SchedulableOptimizer,
  options: { num_warmup_steps: number; num_training_steps: number; num_cycles?: number; min_lr?: number | null; min_lr_rate?: number | null; last_epoch?: number },
): LambdaLR;
export function get_cosine_with_min_lr_schedule_with_warmup(optimizer: SchedulableOptimizer, num_warmup_steps: number, num_training_steps: number, num_cycles?: number, last_epoch?: number, min_lr?: number | null, min_lr_rate?: number | null): LambdaLR;
export function get_cosine_with_min_lr_schedule_with_warmup(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_cosine_with_min_lr_schedule_with_warmup", optimizer, args);
}
/**
 * Cosine with a minimum lr, given as a rate of the initial lr (Python: `transformers.get_cosine_with_min_lr_schedule_with_warmup_lr_rate`).
 * @example
 * ```ts
 * get_cosine_with_min_lr_schedule_with_warmup_lr_rate(optimizer, { num_warmup_steps: 100, num_training_steps: 1000, min_lr_rate: 0.1 })
 * ```
 */
export function get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
  optimizer: SchedulableOptimizer,
  options: {
    num_warmup_steps: number; num_training_steps: number; num_cycles?: number; min_lr?: number | null; min_lr_rate?: number | null;
    warmup_lr_rate?: number | null; last_epoch?: number;
  },
): LambdaLR;
export function get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
  optimizer: SchedulableOptimizer, num_warmup_steps: number, num_training_steps: number, num_cycles?: number, last_epoch?: number,
  min_lr?: number | null, min_lr_rate?: number | null, warmup_lr_rate?: number | null,
): LambdaLR;
export function get_cosine_with_min_lr_schedule_with_warmup_lr_rate(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_cosine_with_min_lr_schedule_with_warmup_lr_rate", optimizer, args);
}
/**
 * Warmup–stable–decay (Python: `transformers.get_wsd_schedule`).
 * @example
 * ```ts
 * get_wsd_schedule(optimizer, { num_warmup_steps: 100, num_stable_steps: 800, num_decay_steps: 100 })
 * ```
 */
export function get_wsd_schedule(
  optimizer: SchedulableOptimizer,
  options: {
    num_warmup_steps: number; num_decay_steps: number; num_training_steps?: number | null; num_stable_steps?: number | null;
    warmup_type?: WsdShape; decay_type?: WsdShape; min_lr_ratio?: number; num_cycles?: number; last_epoch?: number;
  },
): LambdaLR;
export function get_wsd_schedule(
  optimizer: SchedulableOptimizer, num_warmup_steps: number, num_decay_steps: number, num_training_steps?: number | null, num_stable_steps?: number | null,
  warmup_type?: WsdShape, decay_type?: WsdShape, min_lr_ratio?: number, num_cycles?: number, last_epoch?: number,
): LambdaLR;
export function get_wsd_schedule(optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR {
  return factory("get_wsd_schedule", optimizer, args);
}
/**
 * torch's ReduceLROnPlateau (Python: `transformers.get_reduce_on_plateau_schedule`): step(metric) lowers the lr when the metric stops improving.
 * @example
 * ```ts
 * const s = get_reduce_on_plateau_schedule(optimizer); s.step(eval_loss)
 * ```
 */
export function get_reduce_on_plateau_schedule(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  checkKwargs(info("get_reduce_on_plateau_schedule", "get_reduce_on_plateau_schedule"), options, ["verbose"]);
  return new ReduceLROnPlateau(optimizer, options);
}

/** The keyword arguments of get_scheduler (Python: `transformers.get_scheduler`); warmup and training steps are required by the schedules that use them. */
export interface GetSchedulerOptions {
  num_warmup_steps?: number | null;
  num_training_steps?: number | null;
  scheduler_specific_kwargs?: ScheduleKwargs & ReduceLROnPlateauOptions & Record<string, unknown>;
}

/** The names whose scheduler is a ReduceLROnPlateau (stepped with the eval metric); every other one gives a LambdaLR. */
export type PlateauSchedulerName = "reduce_lr_on_plateau" | "get_reduce_on_plateau_schedule";
/** The step-driven schedule names (SchedulerType values), typed so `get_scheduler("linear", ...).step()` compiles. */
export type LambdaSchedulerName = Exclude<SchedulerType, "reduce_lr_on_plateau">;

/** HF `get_scheduler(name, optimizer, num_warmup_steps, num_training_steps, scheduler_specific_kwargs)`, with its errors. */
export function get_scheduler(name: PlateauSchedulerName, optimizer: SchedulableOptimizer, options?: GetSchedulerOptions): ReduceLROnPlateau;
export function get_scheduler(name: LambdaSchedulerName, optimizer: SchedulableOptimizer, options?: GetSchedulerOptions): LambdaLR;
export function get_scheduler(name: SchedulerType | string, optimizer: SchedulableOptimizer, options?: GetSchedulerOptions): LambdaLR | ReduceLROnPlateau;
export function get_scheduler(
  name: PlateauSchedulerName, optimizer: SchedulableOptimizer, num_warmup_steps?: number | null, num_training_steps?: number | null,
  scheduler_specific_kwargs?: GetSchedulerOptions["scheduler_specific_kwargs"],
): ReduceLROnPlateau;
export function get_scheduler(
  name: LambdaSchedulerName, optimizer: SchedulableOptimizer, num_warmup_steps?: number | null, num_training_steps?: number | null,
  scheduler_specific_kwargs?: GetSchedulerOptions["scheduler_specific_kwargs"],
): LambdaLR;
export function get_scheduler(
  name: SchedulerType | string, optimizer: SchedulableOptimizer, num_warmup_steps?: number | null, num_training_steps?: number | null,
  scheduler_specific_kwargs?: GetSchedulerOptions["scheduler_specific_kwargs"],
): LambdaLR | ReduceLROnPlateau;
export function get_scheduler(name: SchedulerType | string, optimizer: SchedulableOptimizer, ...args: unknown[]): LambdaLR | ReduceLROnPlateau {
  // get_scheduler(name, optimizer, { num_warmup_steps, ... }) or Python's positional (name, optimizer, 100, 1000, kwargs)
  const keyword = args.length === 1 && typeof args[0] === "object" && args[0] !== null;
  if (!keyword && args.length > 3) throw new TypeError(`get_scheduler() takes at most 5 positional arguments but ${args.length + 2} were given`);
  const options: GetSchedulerOptions = keyword
    ? (args[0] as GetSchedulerOptions)
    : { num_warmup_steps: args[0] as number | null | undefined, num_training_steps: args[1] as number | null | undefined, scheduler_specific_kwargs: args[2] as GetSchedulerOptions["scheduler_specific_kwargs"] };
  const s = info(name, "get_scheduler");
  const kw = options.scheduler_specific_kwargs ?? {};
  const num_warmup_steps = options.num_warmup_steps ?? null;
  const num_training_steps = options.num_training_steps ?? null;
  if (s.name === "constant") return get_constant_schedule(optimizer);
  if (s.name === "reduce_lr_on_plateau") return get_reduce_on_plateau_schedule(optimizer, kw as ReduceLROnPlateauOptions);
  if (num_warmup_steps === null) throw new Error(`${s.name} requires \`num_warmup_steps\`, please provide that argument.`);
  if (s.name === "constant_with_warmup") return get_constant_schedule_with_warmup(optimizer, { num_warmup_steps });
  if (s.name === "inverse_sqrt") return makeLambdaLR(s.function, optimizer, { num_warmup_steps, ...kw });
  if (s.name === "warmup_stable_decay") {
    return makeLambdaLR(s.function, optimizer, { num_warmup_steps, num_training_steps, ...kw } as ScheduleKwargs);
  }
  if (num_training_steps === null) throw new Error(`${s.name} requires \`num_training_steps\`, please provide that argument.`);
  return makeLambdaLR(s.function, optimizer, { num_warmup_steps, num_training_steps, ...kw });
}

/**
 * The pure multiplier of a schedule: `lr_lambda("cosine", { num_warmup_steps: 10, num_training_steps: 100 })(step)`
 * is exactly the factor LambdaLR applies at `step` (lr = base_lr × factor). `name` is a SchedulerType value
 * or the upstream function name. `polynomial` and `min_lr` need `base_lr` (or `lr`). Unlike the factories,
 * which reject unexpected keywords as Python does, this ignores options the schedule does not take, so one
 * options object can drive every curve of a comparison plot.
 */
export function lr_lambda(name: SchedulerType | string, options: LrLambdaOptions = {}): LrLambda {
  const s = info(name, "lr_lambda");
  if (s.metric_driven) throw new Error(`lr_lambda: ${s.name} is driven by an eval metric, not by the step; use ReduceLROnPlateau`);
  const { base_lr, lr, ...rest } = options;
  const own = new Set(s.params.map((p) => p.name));
  const kwargs = Object.fromEntries(Object.entries(rest).filter(([k]) => own.has(k))) as ScheduleKwargs;
  return build(s, kwargs, (base_lr ?? lr) as number | undefined).lambda;
}

/** The lr at each step 0..num_steps-1 (base_lr × factor), for plots. */
export function lr_curve(name: SchedulerType | string, options: LrLambdaOptions & { base_lr: number }, num_steps: number): number[] {
  const f = lr_lambda(name, options);
  return Array.from({ length: num_steps }, (_, t) => options.base_lr * f(t));
}
