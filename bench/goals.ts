// Issue 13's goals, judged from one bench run's rows (and the shipped mini-BERT's eval_results.json):
// each goal is met, missed by a measured distance, or not measured in this run — with the profile or
// evidence that explains the number. `npm run bench` prints this table and writes it as `goals` into
// its JSON; `node dist/bench/goals.js FILE...` judges earlier JSON files (the newest measure of each
// goal wins), so sections run at different times still add up to one verdict.
import * as fs from "fs";
import * as path from "path";
import { BenchRow } from "./common";

export interface Goal {
  /** Item of issue 13 (1 int8, 2 fp32, 3 streaming loader, 4 training speed / wasm fallback, 5 a mini-BERT that has learned). */
  item: number;
  goal: string;
  op: "<=" | ">=";
  target: number;
  /** null: this run did not measure it. */
  measured: number | null;
  met: boolean | null;
  /** How far from the goal, in words ("1.45× the goal", "met", "not measured: …"). */
  distance: string;
  /** Where the number comes from and what explains it (profile shares, GFLOP/s, RSS split). */
  evidence: string;
  /** How the numbers read: a ratio (×), a fraction shown as a percentage, or a plain value (cosine). */
  unit: Unit;
  /** Date of the run (or file) that measured it. */
  date?: string;
  /** The run's 1-minute load average before → after (timings on a busy machine favour whichever side copes with a taken core). */
  load?: string;
}

export type Unit = "ratio" | "percent" | "value";

/** The parts of a bench JSON the goals read (every field optional: a run may hold one section). */
export interface BenchRun {
  date?: string;
  load_before?: string;
  load_after?: string;
  rows: BenchRow[];
  alternating?: { results: { shape: [number, number]; int8_cosine: number; sgemm_gflops?: { pytorch: number; onnx: number } }[] };
  forward_profile?: { graph: string; shape: [number, number]; gflops: number; ops: { op: string; share: number }[] }[];
  train_profile?: { head: string; groups: { name: string; share: number }[] }[];
}

/** The shipped pretrained model's evaluation (models/mini-bert-uncased/eval_results.json). */
export interface ShippedEval {
  mlm_accuracy: number;
  unigram_accuracy: number;
  nsp_accuracy: number;
  nsp_majority_rate: number;
  steps: number;
  examples: number;
  masked_tokens: number;
  date?: string;
  /** Accuracy by what the model saw (runs from before the split lack it). */
  mlm_by_input?: { mask: { tokens: number; accuracy: number } };
  unigram_on_mask?: number;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const times = (x: number) => `${x.toFixed(2)}×`;

/** A number as its goal's unit reads it. */
export function show(x: number, unit: Unit): string {
  return unit === "ratio" ? times(x) : unit === "percent" ? pct(x) : x.toFixed(5);
}

function judge(g: Omit<Goal, "met" | "distance" | "unit">, unit: Unit): Goal {
  if (g.measured == null || !Number.isFinite(g.measured)) return { ...g, unit, measured: null, met: null, distance: "not measured in this run", date: undefined };
  const met = g.op === "<=" ? g.measured <= g.target : g.measured >= g.target;
  const vs = `${show(g.measured, unit)} vs ${g.op === "<=" ? "≤" : "≥"} ${show(g.target, unit)}`;
  let distance: string;
  if (met) distance = `met (${vs})`;
  else if (unit === "ratio" && g.op === "<=") distance = `${(g.measured / g.target).toFixed(2)}× the goal (${vs})`;
  else if (unit === "percent") distance = `${(100 * Math.abs(g.target - g.measured)).toFixed(1)} points ${g.op === ">=" ? "short" : "over"} (${vs})`;
  else distance = `missed (${vs})`;
  return { ...g, unit, met, distance };
}

/** Adds the run's load average to each measured goal. */
function withLoad(goals: Goal[], run: BenchRun): Goal[] {
  const first = (x?: string) => x?.trim().split(/\s+/)[0];
  if (!run.load_before && !run.load_after) return goals;
  return goals.map((g) => (g.met === null || g.item === 5 ? g : { ...g, load: `${first(run.load_before) ?? "?"} → ${first(run.load_after) ?? "?"}` }));
}

const ALT = "bert-base forward, alternating rounds";

function findRow(rows: BenchRow[], p: (r: BenchRow) => boolean): BenchRow | undefined {
  return rows.find((r) => r.median_ms != null && p(r));
}

function profileNote(run: BenchRun, graph: "fp32" | "int8", b: number): string {
  const p = run.forward_profile?.find((x) => x.graph.startsWith(graph) && x.shape[0] === b);
  if (!p) return "";
  return `; ORT profile (1 thread) ${p.gflops.toFixed(0)} GFLOP/s: ${p.ops.slice(0, 4).map((o) => `${o.op} ${(100 * o.share).toFixed(0)}%`).join(", ")}`;
}

/** Every goal of issue 13 this run (and the shipped model's evaluation) can speak to. */
export function evaluateGoals(run: BenchRun, shipped: ShippedEval | null = null): Goal[] {
  const rows = run.rows;
  const goals: Goal[] = [];
  const alt = (engine: string, b: number, peer: string) => findRow(rows, (r) => r.engine === engine && r.workload === ALT && r.shape === `b${b} s128` && r.peer === peer);
  const sgemm = (b: number) => {
    const x = run.alternating?.results.find((r) => r.shape[0] === b);
    return x?.sgemm_gflops ? `; sgemm 128×768×3072 in the same rounds: PyTorch ${x.sgemm_gflops.pytorch.toFixed(0)}, ORT ${x.sgemm_gflops.onnx.toFixed(0)} GFLOP/s` : "";
  };

  // 1. int8
  for (const b of [1, 8]) {
    const r = alt("onnx int8", b, "pytorch fp32, same rounds");
    goals.push(judge({ item: 1, goal: `int8 BERT-base forward b${b} s128 vs PyTorch fp32`, op: "<=", target: 0.4, measured: r?.ratio ?? null, evidence: r ? `${r.median_ms!.toFixed(0)} ms, ${r.note ?? ""}${profileNote(run, "int8", b)}` : "", date: run.date }, "ratio"));
  }
  for (const b of [1, 8]) {
    const r = alt("onnx int8", b, "pytorch quantize_dynamic, same rounds");
    const peer = findRow(rows, (x) => x.engine === "pytorch int8 (quantize_dynamic)" && x.workload === ALT && x.shape === `b${b} s128`);
    goals.push(judge({ item: 1, goal: `int8 BERT-base forward b${b} s128 vs PyTorch quantize_dynamic`, op: "<=", target: 0.7, measured: r?.ratio ?? null, evidence: r && peer ? `bertlab ${r.median_ms!.toFixed(0)} ms vs quantize_dynamic ${peer.median_ms!.toFixed(0)} ms (${peer.note ?? ""})${profileNote(run, "int8", b)}` : "", date: run.date }, "ratio"));
  }
  for (const b of [1, 8]) {
    const x = run.alternating?.results.find((r) => r.shape[0] === b);
    goals.push(judge({ item: 1, goal: `int8 cosine vs fp32 (last_hidden_state, b${b})`, op: ">=", target: 0.999, measured: x?.int8_cosine ?? null, evidence: x ? "bertlab's int8 graph against its fp32 graph, random bert-base weights" : "", date: run.date }, "value"));
  }

  // 2. fp32
  const perCore = findRow(rows, (r) => r.engine === "onnx" && r.workload === "bert-base forward, CPU time, 1 thread, alternating");
  for (const [b, target] of [[1, 0.6], [8, 0.75]] as const) {
    const r = alt("onnx", b, "pytorch fp32, same rounds");
    const pc = perCore && b === 1 ? `; per core (1 thread each, CPU time) ${times(perCore.ratio!)} (${perCore.note ?? ""})` : "";
    goals.push(judge({ item: 2, goal: `fp32 BERT-base forward b${b} s128 vs PyTorch`, op: "<=", target, measured: r?.ratio ?? null, evidence: r ? `${r.median_ms!.toFixed(0)} ms, ${(r.note ?? "").split(";")[0]}${r.note?.includes("sgemm") ? "" : sgemm(b)}${pc}${profileNote(run, "fp32", b)}` : "", date: run.date }, "ratio"));
  }

  // 3. streaming loader: peak RSS over the weight bytes, after the load and after the first forward
  for (const engine of ["tfjs-wasm", "onnx"]) {
    const r = findRow(rows, (x) => x.engine === engine && x.workload === "cold from_pretrained");
    const e = r?.extra ?? {};
    const split = e.forward_anon_mb !== undefined ? `; after the forward anonymous ${Number(e.forward_anon_mb).toFixed(0)} MB + file-backed ${Number(e.forward_file_mb).toFixed(0)} MB` : "";
    const noCache = engine === "tfjs-wasm" ? findRow(rows, (x) => x.engine === "tfjs-wasm (BERTLAB_LINEAR_CACHE=0)" && x.workload === "cold from_pretrained") : undefined;
    const fwd = (e: string) => findRow(rows, (x) => x.engine === e && x.workload === "first forward after load")?.median_ms;
    const nc = noCache?.extra ? `; without the forward's Wᵀ cache ${times(Number(noCache.extra.rss_over_weights))} after the first forward (first forward ${fwd(noCache.engine)?.toFixed(0)} ms vs ${fwd(engine)?.toFixed(0)} ms with it): the rest is the variables plus XNNPACK's packed weights` : "";
    const ev = r ? `cold load ${(r.median_ms! / 1000).toFixed(1)} s; ${r.note ?? ""}${split}${nc}` : "";
    goals.push(judge({ item: 3, goal: `peak RSS after a cold bert-base from_pretrained (${engine}) / weight bytes`, op: "<=", target: 1.3, measured: r ? Number(e.load_rss_over_weights ?? NaN) : null, evidence: ev, date: run.date }, "ratio"));
    goals.push(judge({ item: 3, goal: `peak RSS after load + first forward (${engine}) / weight bytes`, op: "<=", target: 1.3, measured: r ? Number(e.rss_over_weights ?? NaN) : null, evidence: ev, date: run.date }, "ratio"));
  }

  // 4. training step and the wasm forward fallback
  for (const head of ["masked LM", "seq. classification"]) {
    const r = findRow(rows, (x) => x.engine === "onnx train graph" && x.threads === 2 && x.workload.includes(head) && x.workload.endsWith("alternating"));
    const prof = run.train_profile?.find((p) => (head === "masked LM" ? p.head === "mlm" : p.head === "classification"));
    const pn = prof ? `; ORT profile: ${prof.groups.map((g) => `${g.name.split(" (")[0]} ${(100 * g.share).toFixed(0)}%`).join(", ")}` : "";
    goals.push(judge({ item: 4, goal: `mini-BERT train step (${head}, b8 s128, AdamW) vs PyTorch`, op: "<=", target: 1.5, measured: r?.ratio ?? null, evidence: r ? `${r.median_ms!.toFixed(0)} ms; ${r.note ?? ""}${pn}` : "", date: run.date }, "ratio"));
  }
  for (const b of [1, 8]) {
    const r = findRow(rows, (x) => x.engine.startsWith("tfjs-wasm") && x.workload === ALT && x.shape === `b${b} s128`);
    goals.push(judge({ item: 4, goal: `wasm-only fp32 forward fallback b${b} s128 vs PyTorch`, op: "<=", target: 3, measured: r?.ratio ?? null, evidence: r ? `${r.median_ms!.toFixed(0)} ms; ${r.note ?? ""}` : "", date: run.date }, "ratio"));
  }

  // 5. the shipped mini-BERT
  if (shipped) {
    const atMask = shipped.mlm_by_input && shipped.unigram_on_mask !== undefined ? `; at [MASK] inputs ${pct(shipped.mlm_by_input.mask.accuracy)} vs ${pct(shipped.unigram_on_mask)} for the unigram guess` : "";
    const base = `${shipped.steps} steps; ${shipped.examples} held-out pairs, ${shipped.masked_tokens} masked tokens; unigram baseline ${pct(shipped.unigram_accuracy)}${atMask}`;
    goals.push(judge({ item: 5, goal: "shipped mini-BERT held-out MLM accuracy", op: ">=", target: 0.25, measured: shipped.mlm_accuracy, evidence: base, date: shipped.date }, "percent"));
    goals.push(judge({ item: 5, goal: "shipped mini-BERT NSP accuracy, clearly above the majority label (+5 points)", op: ">=", target: shipped.nsp_majority_rate + 0.05, measured: shipped.nsp_accuracy, evidence: `majority label ${pct(shipped.nsp_majority_rate)}`, date: shipped.date }, "percent"));
  }
  return withLoad(goals, run);
}

/** The shipped model's eval_results.json, or null when absent. */
export function readShippedEval(root: string): ShippedEval | null {
  const f = path.join(root, "models", "mini-bert-uncased", "eval_results.json");
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as ShippedEval) : null;
}

/** Judges several runs: for each goal the newest run that measured it. */
export function mergeGoals(lists: Goal[][]): Goal[] {
  const out = new Map<string, Goal>();
  for (const list of lists) {
    for (const g of list) {
      const prev = out.get(g.goal);
      if (!prev || (g.met !== null && (prev.met === null || (g.date ?? "") >= (prev.date ?? "")))) out.set(g.goal, g);
    }
  }
  return [...out.values()].sort((a, b) => a.item - b.item);
}

export function printGoals(goals: Goal[]): void {
  console.log("issue 13 goals:");
  for (const g of goals) {
    const mark = g.met === null ? "  ?  " : g.met ? " met " : " MISS";
    console.log(`[${mark}] ${g.item}. ${g.goal}: ${g.distance}${g.date ? ` [${g.date}${g.load ? `, load ${g.load}` : ""}]` : ""}${g.evidence ? `\n         ${g.evidence}` : ""}`);
  }
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error("usage: node dist/bench/goals.js bench/results/<run>.json [more runs …]");
    process.exit(2);
  }
  const root = path.join(__dirname, "..", "..");
  const lists = files.map((f) => evaluateGoals(JSON.parse(fs.readFileSync(f, "utf8")) as BenchRun));
  printGoals(mergeGoals([...lists, evaluateGoals({ rows: [] }, readShippedEval(root))]));
}
