// Where the ONNX Runtime BERT-base forward's time goes: ORT's own profiler over a few forwards of the
// engine's graph (one intra-op thread, so kernel times add up to the forward), kernel time of the last
// forward by op type, and the share of the dense GEMMs (MatMul / FusedGemm, plus the Q/K/V GEMM inside
// com.microsoft Attention, estimated from its FLOP share) against everything else.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OnnxBertEngine } from "../src/engines";
import type { QuantizeOptions } from "../src/engines";
import { bertForwardFlops } from "./interleaved";
import { BenchBertConfig, randomBertWeights, randomIds } from "./random_bert";

export interface ForwardProfile {
  graph: string;
  shape: [number, number];
  threads: number;
  /** Wall time of each profiled forward (ms; the first includes ORT's warm-up). */
  runs_ms: number[];
  /** Kernel time of the last forward (ms) and its GFLOP/s (dense layers + attention products). */
  kernel_ms: number;
  gflops: number;
  ops: { op: string; ms: number; share: number; count: number }[];
}

interface TraceEvent { name: string; cat?: string; ts: number; dur: number; args?: { op_name?: string } }

export async function forwardProfile(c: BenchBertConfig, [b, s]: [number, number], quantize: QuantizeOptions | null = null, runs = 4): Promise<ForwardProfile> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-forward-profile-"));
  try {
    const engine = await OnnxBertEngine.create({ config: c, weights: randomBertWeights(c), architecture: "BertModel", threads: 1, spinning: false, quantize, profile: path.join(dir, "forward") });
    const ids = randomIds(b, s, c.vocab_size);
    for (let i = 0; i < runs; i++) await engine.run({ input_ids: ids });
    await engine.end_profiling();
    await engine.dispose();
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".json"));
    if (!file) throw new Error(`forward profile: ORT wrote no trace into ${dir}`);
    const events = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as TraceEvent[];
    const all = events.filter((e) => e.name === "model_run");
    const last = all[all.length - 1];
    const ops = new Map<string, { ms: number; count: number }>();
    let total = 0;
    for (const e of events) {
      if (e.cat !== "Node" || !e.name.endsWith("_kernel_time") || e.ts < last.ts || e.ts > last.ts + last.dur) continue;
      const o = ops.get(e.args?.op_name ?? "?") ?? { ms: 0, count: 0 };
      o.ms += e.dur / 1000;
      o.count++;
      ops.set(e.args?.op_name ?? "?", o);
      total += e.dur / 1000;
    }
    return {
      graph: quantize ? "int8 (dynamic, per channel)" : "fp32 (fused contrib ops)",
      shape: [b, s],
      threads: 1,
      runs_ms: all.map((r) => r.dur / 1000),
      kernel_ms: total,
      gflops: bertForwardFlops(c, b, s) / total / 1e6,
      ops: [...ops].map(([op, v]) => ({ op, ms: v.ms, share: v.ms / total, count: v.count })).sort((x, y) => y.ms - x.ms).slice(0, 12),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
