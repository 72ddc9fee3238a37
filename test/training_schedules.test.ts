import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as S from "../src/training/schedules";
import { LambdaLR, ReduceLROnPlateau, type SchedulableOptimizer } from "../src/training/lr_scheduler";
import { pyfloat } from "../src/training/pyrepr";

interface Case {
  fn: string;
  kwargs: Record<string, unknown>;
  base_lr: number;
  lr_at_step?: number[];
  lambda_at_step?: number[];
  error?: string;
  warnings?: string[];
  metrics?: number[];
  lr_after_step?: number[];
}
const load = (f: string): Case[] => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/optim", f), "utf8")).cases;
const OLD = load("schedules.json");
const NEWER = load("schedules_newer.json");

const FACTORIES = S as unknown as Record<string, (o: SchedulableOptimizer, kw: object) => LambdaLR | ReduceLROnPlateau>;

function sgd(lr: number): SchedulableOptimizer {
  return { param_groups: [{ lr }], defaults: { lr } };
}

function close(actual: number, expected: number, what: string): void {
  const tol = 1e-6 * Math.abs(expected) + 1e-12;
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`);
}

function runCase(c: Case, label: string): void {
  const factory = FACTORIES[c.fn];
  assert.equal(typeof factory, "function", `${c.fn} is exported`);
  if (c.error) {
    const msg = c.error.replace(/^\w+Error: /, "");
    assert.throws(() => factory(sgd(c.base_lr), c.kwargs), (e: Error) => e.message === msg, `${label}: expected error '${msg}'`);
    assert.throws(() => S.lr_lambda(c.fn, { ...c.kwargs, base_lr: c.base_lr }), (e: Error) => e.message === msg);
    return;
  }
  const warned: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => warned.push(m);
  let sched: LambdaLR | ReduceLROnPlateau;
  try {
    sched = factory(sgd(c.base_lr), c.kwargs);
  } finally {
    console.warn = orig;
  }
  assert.deepEqual(warned, c.warnings ?? [], `${label}: warnings`);
  assert.deepEqual(sched.warnings, c.warnings ?? []);
  if (c.metrics) {
    assert.ok(sched instanceof ReduceLROnPlateau);
    const lrs = [sched.get_last_lr()[0]];
    for (const m of c.metrics) {
      sched.step(m);
      lrs.push(sched.get_last_lr()[0]);
    }
    lrs.forEach((lr, i) => close(lr, c.lr_after_step![i], `${label} lr_after_step[${i}]`));
    return;
  }
  assert.ok(sched instanceof LambdaLR);
  const f = S.lr_lambda(c.fn, { ...c.kwargs, base_lr: c.base_lr });
  c.lr_at_step!.forEach((expected, s) => {
    if (s > 0) sched.step();
    close(sched.get_last_lr()[0], expected, `${label} lr_at_step[${s}]`);
    close(f(s), c.lambda_at_step![s], `${label} lambda_at_step[${s}]`);
    close(c.base_lr * f(s), expected, `${label} base_lr*lambda[${s}]`);
  });
}

test("every schedules.json case (transformers 4.31) matches to 1e-6 relative, incl. errors", () => {
  let n = 0;
  for (const [i, c] of OLD.entries()) {
    if (c.error?.startsWith("ZeroDivisionError")) {
      // 4.31 divided by zero for inverse_sqrt with warmup 0 and no timescale; bertlab follows the newer default (10000),
      // which schedules_newer.json records for the same kwargs.
      const newer = NEWER.find((x) => x.fn === c.fn && JSON.stringify(x.kwargs) === JSON.stringify(c.kwargs));
      assert.ok(newer && !newer.error, "schedules_newer.json has the same case without an error");
      runCase(newer, `newer version of old case ${i}`);
      continue;
    }
    runCase(c, `schedules.json case ${i} ${c.fn} ${JSON.stringify(c.kwargs)}`);
    n++;
  }
  assert.equal(n, 36);
});

test("every schedules_newer.json case (min_lr cosine, WSD, inverse_sqrt default, plateau) matches, incl. errors and warnings", () => {
  for (const [i, c] of NEWER.entries()) runCase(c, `schedules_newer.json case ${i} ${c.fn} ${JSON.stringify(c.kwargs)}`);
  assert.equal(NEWER.length, 38);
});

test("get_scheduler maps SchedulerType names and raises HF's errors for missing arguments", () => {
  const lin = S.get_scheduler("linear", sgd(2), { num_warmup_steps: 2, num_training_steps: 6 }) as LambdaLR;
  const seen = [lin.get_last_lr()[0]];
  for (let i = 0; i < 6; i++) {
    lin.step();
    seen.push(lin.get_last_lr()[0]);
  }
  assert.deepEqual(seen, [0, 1, 2, 1.5, 1, 0.5, 0]);
  assert.throws(() => S.get_scheduler("cosine", sgd(1), { num_training_steps: 5 }), /^Error: cosine requires `num_warmup_steps`, please provide that argument\.$/);
  assert.throws(() => S.get_scheduler("linear", sgd(1), { num_warmup_steps: 0 }), /linear requires `num_training_steps`, please provide that argument\./);
  assert.throws(() => S.get_scheduler("warmup", sgd(1)), /warmup is not a valid SchedulerType, please select one of \['linear', 'cosine'/);
  assert.throws(
    () => S.get_scheduler("cosine", sgd(1), { num_warmup_steps: 1, num_training_steps: 5, scheduler_specific_kwargs: { power: 2 } }),
    /get_cosine_schedule_with_warmup\(\) got an unexpected keyword argument 'power'/,
  );
  // constant ignores the step counts; plateau takes its kwargs; wsd needs no num_training_steps when num_stable_steps is given
  assert.ok(S.get_scheduler("constant", sgd(1)) instanceof LambdaLR);
  const plateau = S.get_scheduler("reduce_lr_on_plateau", sgd(1), { scheduler_specific_kwargs: { patience: 0, factor: 0.5 } });
  assert.ok(plateau instanceof ReduceLROnPlateau);
  plateau.step(1);
  plateau.step(2);
  assert.deepEqual(plateau.get_last_lr(), [0.5]);
  const wsd = S.get_scheduler("warmup_stable_decay", sgd(1), { num_warmup_steps: 1, scheduler_specific_kwargs: { num_decay_steps: 2, num_stable_steps: 1 } });
  assert.ok(wsd instanceof LambdaLR);
  const poly = S.get_scheduler("polynomial", sgd(0.1), { num_warmup_steps: 0, num_training_steps: 10, scheduler_specific_kwargs: { lr_end: 0.01, power: 2 } }) as LambdaLR;
  for (let i = 0; i < 10; i++) poly.step();
  close(poly.get_last_lr()[0], 0.01, "polynomial ends at lr_end");
});

test("LambdaLR sets one lr per group from each group's initial lr, and state_dict round-trips", () => {
  const opt: SchedulableOptimizer = { param_groups: [{ lr: 1 }, { lr: 0.1 }], defaults: { lr: 1 } };
  const s = S.get_linear_schedule_with_warmup(opt, { num_warmup_steps: 2, num_training_steps: 4 });
  s.step();
  assert.deepEqual(s.get_last_lr(), [0.5, 0.05]);
  assert.deepEqual(opt.param_groups.map((g) => g.lr), [0.5, 0.05]);
  assert.deepEqual(opt.param_groups.map((g) => g.initial_lr), [1, 0.1]);
  const state = JSON.parse(JSON.stringify(s.state_dict()));
  assert.deepEqual(state, { last_epoch: 1, base_lrs: [1, 0.1], _last_lr: [0.5, 0.05], _step_count: 2, verbose: false, lr_lambdas: [null, null] });
  const opt2: SchedulableOptimizer = { param_groups: [{ lr: 9 }, { lr: 9 }], defaults: { lr: 1 } };
  const s2 = S.get_linear_schedule_with_warmup(opt2, { num_warmup_steps: 2, num_training_steps: 4 });
  s2.load_state_dict(state);
  s.step();
  s2.step();
  assert.deepEqual(s2.get_last_lr(), s.get_last_lr());
  assert.throws(() => new LambdaLR({ param_groups: [{ lr: 1 }], defaults: { lr: 1 } }, () => 1, 3), /initial_lr' is not specified in param_groups\[0\]/);
});

test("lr_lambda is the pure multiplier; SCHEDULES lists every schedule with its parameters", () => {
  assert.equal(S.lr_lambda("cosine", { num_warmup_steps: 0, num_training_steps: 10 })(5), 0.5); // schedules.json case 1, step 5
  assert.throws(() => S.lr_lambda("polynomial", { num_warmup_steps: 0, num_training_steps: 10 }), /needs the optimizer's initial lr \(pass base_lr/);
  assert.throws(() => S.lr_lambda("reduce_lr_on_plateau"), /driven by an eval metric/);
  // the pure form ignores options the schedule does not take (one options object drives a comparison plot); `lr` = base_lr
  const poly = S.lr_lambda("polynomial", { num_warmup_steps: 0, num_training_steps: 10, lr_end: 0.5, lr: 1, num_cycles: 3, steps: 99 });
  assert.equal(poly(5), 0.75);
  assert.equal(S.lr_lambda("linear", { num_warmup_steps: 0, num_training_steps: 10, num_cycles: 3 })(5), 0.5);
  assert.deepEqual(S.lr_curve("linear", { num_warmup_steps: 1, num_training_steps: 3, base_lr: 4 }, 4), [0, 4, 2, 0]);
  const names = S.SCHEDULES.map((s) => s.name);
  assert.deepEqual(names, Object.values(S.SchedulerType));
  for (const s of S.SCHEDULES) {
    assert.equal(typeof FACTORIES[s.function], "function", `${s.function} exists`);
    if (!s.metric_driven) {
      const opts: Record<string, unknown> = { base_lr: 1 };
      for (const p of s.params) if (p.required) opts[p.name] = 10;
      if (s.name.includes("min_lr")) opts.min_lr_rate = 0.1;
      if (s.name === "warmup_stable_decay") opts.num_stable_steps = 5;
      const v = S.lr_lambda(s.name, opts)(12);
      assert.ok(Number.isFinite(v) && v >= 0, `${s.name} gives a finite factor`);
    }
  }
});

test("pyfloat prints floats as Python's repr does", () => {
  assert.deepEqual([2, 1, 1e-7, 0.1, 5e-5, 1e16, 123.5, -0.25, 1e-4].map(pyfloat), ["2.0", "1.0", "1e-07", "0.1", "5e-05", "1e+16", "123.5", "-0.25", "0.0001"]);
});

// Each factory's Python signature after the optimizer (transformers' optimization.py), written out here independently of
// schedules.ts so a wrong order there fails.
const PY_ORDER: Record<string, string[]> = {
  get_constant_schedule: ["last_epoch"],
  get_constant_schedule_with_warmup: ["num_warmup_steps", "last_epoch"],
  get_linear_schedule_with_warmup: ["num_warmup_steps", "num_training_steps", "last_epoch"],
  get_cosine_schedule_with_warmup: ["num_warmup_steps", "num_training_steps", "num_cycles", "last_epoch"],
  get_cosine_with_hard_restarts_schedule_with_warmup: ["num_warmup_steps", "num_training_steps", "num_cycles", "last_epoch"],
  get_polynomial_decay_schedule_with_warmup: ["num_warmup_steps", "num_training_steps", "lr_end", "power", "last_epoch"],
  get_inverse_sqrt_schedule: ["num_warmup_steps", "timescale", "last_epoch"],
  get_cosine_with_min_lr_schedule_with_warmup: ["num_warmup_steps", "num_training_steps", "num_cycles", "last_epoch", "min_lr", "min_lr_rate"],
  get_cosine_with_min_lr_schedule_with_warmup_lr_rate: ["num_warmup_steps", "num_training_steps", "num_cycles", "last_epoch", "min_lr", "min_lr_rate", "warmup_lr_rate"],
  get_wsd_schedule: ["num_warmup_steps", "num_decay_steps", "num_training_steps", "num_stable_steps", "warmup_type", "decay_type", "min_lr_ratio", "num_cycles", "last_epoch"],
};
const DEFAULT_OF: Record<string, unknown> = { last_epoch: -1, num_cycles: undefined, timescale: null, min_lr: null, min_lr_rate: null, warmup_lr_rate: null, num_training_steps: null, num_stable_steps: null };

test("the factories take Python's positional arguments (get_linear_schedule_with_warmup(optimizer, 100, 1000)) and mixed positional + keyword, with the same lrs as the keyword form", (t) => {
  const POSITIONAL = S as unknown as Record<string, (o: SchedulableOptimizer, ...a: unknown[]) => LambdaLR>;
  let n = 0;
  const warn = console.warn;
  console.warn = () => {}; // the cases' warnings are checked above
  t.after(() => { console.warn = warn; });
  for (const c of [...OLD, ...NEWER]) {
    const order = PY_ORDER[c.fn];
    if (!order || c.error || !c.lr_at_step) continue;
    // every keyword given positionally, up to the last one the case sets (earlier unset ones get Python's default)
    const last = Math.max(...Object.keys(c.kwargs).map((k) => order.indexOf(k)));
    assert.ok(Object.keys(c.kwargs).every((k) => order.includes(k)), `${c.fn}: ${Object.keys(c.kwargs)} in ${order}`);
    const args = order.slice(0, last + 1).map((k) => (k in c.kwargs ? c.kwargs[k] : DEFAULT_OF[k]));
    const lrs = (s: LambdaLR) => c.lr_at_step!.map((_, i) => { if (i > 0) s.step(); return s.get_last_lr()[0]; });
    const keyword = lrs(FACTORIES[c.fn](sgd(c.base_lr), c.kwargs) as LambdaLR);
    assert.deepEqual(lrs(POSITIONAL[c.fn](sgd(c.base_lr), ...args)), keyword, `${c.fn}(${JSON.stringify(args)})`);
    // the first argument positional, the rest as keywords
    if (last >= 1) {
      const rest = Object.fromEntries(Object.entries(c.kwargs).filter(([k]) => k !== order[0]));
      assert.deepEqual(lrs(POSITIONAL[c.fn](sgd(c.base_lr), args[0], rest)), keyword, `${c.fn}(${JSON.stringify(args[0])}, ${JSON.stringify(rest)})`);
    }
    n++;
  }
  assert.ok(n >= 50, `${n} cases`);
  const lin = S.get_linear_schedule_with_warmup(sgd(2), 2, 6);
  const seen = [lin.get_last_lr()[0]];
  for (let i = 0; i < 6; i++) { lin.step(); seen.push(lin.get_last_lr()[0]); }
  assert.deepEqual(seen, [0, 1, 2, 1.5, 1, 0.5, 0]);
  const g = S.get_scheduler("linear", sgd(2), 2, 6);
  g.step();
  assert.deepEqual(g.get_last_lr(), [1]);
  const p = S.get_scheduler("polynomial", sgd(0.1), 0, 10, { lr_end: 0.01, power: 2 });
  for (let i = 0; i < 10; i++) p.step();
  close(p.get_last_lr()[0], 0.01, "get_scheduler positional with scheduler_specific_kwargs");
});

test("positional misuse raises Python's TypeError wording: too many, a value given twice, an object in the middle", () => {
  assert.throws(() => S.get_linear_schedule_with_warmup(sgd(1), ...([1, 2, -1, 7] as unknown as [number, number])),
    (e: Error) => e instanceof TypeError && e.message === "get_linear_schedule_with_warmup() takes at most 4 positional arguments (optimizer, num_warmup_steps, num_training_steps, last_epoch) but 5 were given");
  assert.throws(() => (S.get_linear_schedule_with_warmup as unknown as (...a: unknown[]) => unknown)(sgd(1), 1, { num_warmup_steps: 2, num_training_steps: 5 }),
    (e: Error) => e instanceof TypeError && e.message === "get_linear_schedule_with_warmup() got multiple values for argument 'num_warmup_steps'");
  assert.throws(() => (S.get_cosine_schedule_with_warmup as unknown as (...a: unknown[]) => unknown)(sgd(1), 1, { num_training_steps: 5 }, 0.5),
    (e: Error) => e instanceof TypeError && /argument 3 \('num_training_steps'\) must be a number, got an object; keyword options go last/.test(e.message));
  assert.throws(() => (S.get_linear_schedule_with_warmup as unknown as (...a: unknown[]) => unknown)(sgd(1), 1),
    (e: Error) => e instanceof TypeError && e.message === "get_linear_schedule_with_warmup() missing required argument: 'num_training_steps' (got undefined)");
  assert.throws(() => S.get_scheduler("linear", sgd(1), 1, 2, {}, ...([3] as unknown as [])), /get_scheduler\(\) takes at most 5 positional arguments but 6 were given/);
});
