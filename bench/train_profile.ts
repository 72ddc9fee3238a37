// Where the ONNX Runtime train step's time goes: ORT's own profiler over a few mini-BERT steps (b8 s128,
// one intra-op thread so kernel times add up to the step), kernels grouped into GEMMs, the 30,522-row
// word-embedding work (its AdamW passes and scatter-add gradient) and everything else, plus the top op types.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OnnxTrainStep } from "../src/engines";
import { TrainHead, headWeights } from "./interleaved_train";
import { BenchBertConfig, randomIds } from "./random_bert";

export interface TrainProfile {
  head: TrainHead;
  threads: number;
  /** Wall time of each profiled step (ms). */
  steps_ms: number[];
  /** Kernel time of the last step, by group and by op type (ms, share of the kernels' total). */
  kernel_ms: number;
  groups: { name: string; ms: number; share: number }[];
  ops: { op: string; ms: number; count: number }[];
}

const GEMM = new Set(["Gemm", "MatMul", "FusedMatMul", "FusedGemm"]);

interface TraceEvent { name: string; cat?: string; ts: number; dur: number; args?: { op_name?: string; input_type_shape?: unknown } }

export async function trainStepProfile(c: BenchBertConfig, head: TrainHead, steps = 6): Promise<TrainProfile> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-train-profile-"));
  const arch = head === "classification" ? "BertForSequenceClassification" : "BertForMaskedLM";
  const step = await OnnxTrainStep.create({ config: c, weights: headWeights(c, head), architecture: arch, param_groups: [{ lr: 5e-5, weight_decay: 0.01 }], threads: 1, spinning: false, profile: path.join(dir, "train") });
  const ids = randomIds(8, 128, c.vocab_size);
  const labels = head === "classification" ? ids.map((_, i) => i % 2) : ids.map((r, i) => r.map((v, j) => ((i * 128 + j) % 7 === 0 ? v : -100)));
  for (let i = 0; i < steps; i++) await step.step({ input_ids: ids, labels });
  step.end_profiling();
  await step.dispose();
  const file = fs.readdirSync(dir).find((f) => f.endsWith(".json"));
  if (!file) throw new Error(`train profile: ORT wrote no trace into ${dir}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as TraceEvent[];
  fs.rmSync(dir, { recursive: true, force: true });
  const runs = events.filter((e) => e.name === "model_run");
  const last = runs[runs.length - 1];
  const groups = new Map<string, number>();
  const ops = new Map<string, { ms: number; count: number }>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time") || e.ts < last.ts || e.ts > last.ts + last.dur) continue;
    const op = e.args?.op_name ?? "?";
    const ms = e.dur / 1000;
    const group = GEMM.has(op) ? "GEMM (forward, dW = dyᵀ·x, dx = dy·W, attention products)" : JSON.stringify(e.args?.input_type_shape ?? "").includes(String(c.vocab_size)) ? "word embeddings / decoder rows (AdamW passes, scatter-add, tied gradient)" : "other elementwise (LayerNorm / GELU / softmax backward, AdamW of the other weights, ...)";
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const o = ops.get(op) ?? { ms: 0, count: 0 };
    o.ms += ms;
    o.count++;
    ops.set(op, o);
    total += ms;
  }
  return {
    head, threads: 1, steps_ms: runs.map((r) => r.dur / 1000), kernel_ms: total,
    groups: [...groups].map(([name, ms]) => ({ name, ms, share: ms / total })).sort((a, b) => b.ms - a.ms),
    ops: [...ops].map(([op, v]) => ({ op, ...v })).sort((a, b) => b.ms - a.ms).slice(0, 12),
  };
}
