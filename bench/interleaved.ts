// Alternating rounds against a served PyTorch peer (peer_torch.py --serve): in each round every
// workload runs `reps` times — PyTorch fp32, PyTorch quantize_dynamic int8, bertlab ONNX fp32, bertlab
// ONNX int8 (ORT threads sleep when idle, spinning: false, as the peer runs with OMP_WAIT_POLICY=PASSIVE) — so a load spike on the shared machine hits all of them; a row's ratio is the median of
// the per-round ratios. Also the GFLOP/s of each median and the int8 graph's cosine against fp32.
import { spawn, ChildProcessWithoutNullStreams } from "child_process";
import * as path from "path";
import * as readline from "readline";
import { tf } from "../src/backend";
import { OnnxBertEngine, cores } from "../src/engines";
import { BertModel } from "../src/models";
import { FLOAT, GraphBuilder } from "../src/engines/onnx/graph";
import { createSession, loadOrt } from "../src/engines/onnx/runtime";
import { cosine, median } from "./common";
import { peerAvailable, peerEnv, PYTHON } from "./peer";
import { BenchBertConfig, randomBertWeights, randomIds } from "./random_bert";

/** A peer_torch.py process answering one JSON line per request. */
export class ServedPeer {
  private proc: ChildProcessWithoutNullStreams;
  private waiting: ((v: Record<string, unknown>) => void)[] = [];
  private stderr = "";
  constructor(threads: number) {
    const script = path.join(__dirname, "..", "..", "bench", "peer_torch.py");
    this.proc = spawn(PYTHON, [script, "--serve", String(threads)], { env: { ...peerEnv(), OPENBLAS_NUM_THREADS: String(threads) } });
    readline.createInterface({ input: this.proc.stdout }).on("line", (l) => {
      if (l.trim().startsWith("{")) this.waiting.shift()?.(JSON.parse(l));
    });
    this.proc.stderr.on("data", (d) => (this.stderr = (this.stderr + d).slice(-2000)));
    this.proc.on("exit", (code) => {
      for (const w of this.waiting.splice(0)) w({ error: `peer_torch.py exited (${code}): ${this.stderr.trim().split("\n").pop()}` });
    });
  }
  call(req: object): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.waiting.push((v) => (v.error ? reject(new Error(String(v.error))) : resolve(v)));
      this.proc.stdin.write(JSON.stringify(req) + "\n");
    });
  }
  close(): void {
    this.proc.stdin.end();
  }
}

/** Multiply-adds ×2 of a BERT encoder forward (dense layers + attention products; pooler and embeddings left out). */
export function bertForwardFlops(c: BenchBertConfig, b: number, s: number): number {
  const H = c.hidden_size, I = c.intermediate_size;
  return c.num_hidden_layers * (2 * b * s * (4 * H * H + 2 * H * I) + 4 * b * s * s * H);
}

export interface InterleavedResult {
  shape: [number, number];
  rounds: number;
  reps: number;
  /** Per workload: every timed ms, and the median of the round medians. */
  ms: Record<string, { times_ms: number[]; median_ms: number }>;
  /** Median over rounds of (workload round median / peer round median). */
  ratios: Record<string, number>;
  gflops: Record<string, number>;
  /** Cosine of int8 last_hidden_state against fp32 (bertlab's graph; random bert-base weights). */
  int8_cosine: number;
  /** The rate of the peer's sgemm shape, timed in every round on both sides (median over rounds). */
  sgemm_gflops: { pytorch: number; onnx: number };
}

/** Per-core cost: 1-thread PyTorch (its own served process) and 1-thread ORT, process CPU ms per forward, alternating. */
export interface PerCoreResult {
  shape: [number, number];
  rounds: number;
  reps: number;
  pytorch_cpu_ms: number;
  onnx_cpu_ms: number;
  /** Median over rounds of (ORT round median / PyTorch round median). */
  ratio: number;
  /** GFLOP/s per core (FLOPs over CPU time). */
  gflops_per_core: { pytorch: number; onnx: number };
}

export interface PeerInfo {
  torch: string;
  threads: number;
  sgemm_gflops: number;
  quantized_engine: string;
}

const WORKLOADS = ["pytorch", "pytorch int8", "onnx", "onnx int8"] as const;

/** bertlab's BertModel on the tfjs backend (wasm here: the fallback when onnxruntime-node is missing), eval, same shape. */
function tfjsForward(c: BenchBertConfig, b: number, s: number): { run: () => void; dispose: () => void } {
  const model = new BertModel({ ...c, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  model.eval();
  model.engine = "tfjs";
  const input_ids = tf.tensor2d(randomIds(b, s, c.vocab_size), [b, s], "int32");
  return {
    run: () => {
      const out = model({ input_ids });
      (out.last_hidden_state as tf.Tensor).dataSync();
      tf.dispose(out as unknown as tf.TensorContainer);
      if (model.last_engine !== "tfjs") throw new Error(`bench: the forward ran on ${model.last_engine}, expected tfjs`);
    },
    dispose: () => {
      input_ids.dispose();
      model.dispose();
    },
  };
}

/**
 * ORT's GFLOP/s on the peer's sgemm shape: [128, 768] · [768, 3072] and back through [3072, 768] (a BERT-base
 * b1 feed-forward pair without bias), four times in one run — eight GEMMs of that size, so the fixed cost of a
 * session.run from Node is spread as the peer's Python loop spreads its own. Median of 11 runs after 3.
 */
async function ortSgemm(threads: number): Promise<() => Promise<number>> {
  const [M, K, N, PAIRS] = [128, 768, 3072, 4];
  const g = new GraphBuilder();
  const fill = (n: number, k: number) => new Float32Array(n).map((_, i) => (((i * k) % 1000) / 1000 - 0.5) * 0.05);
  const up = g.initFloat("up", fill(K * N, 7919), [K, N]);
  const down = g.initFloat("down", fill(N * K, 104729), [N, K]);
  let x = g.input("a", FLOAT, [M, K]);
  for (let i = 0; i < PAIRS; i++) x = g.op("MatMul", [g.op("MatMul", [x, up]), down]); // [128, 3072] → [128, 768]
  g.op("Identity", [x], undefined, undefined, "c");
  g.output("c", FLOAT, [M, K]);
  const session = await createSession(g.toBytes("sgemm"), { threads, spinning: false });
  const ort = loadOrt();
  const a = new ort.Tensor("float32", new Float32Array(M * K).map((_, i) => ((i * 31) % 100) / 100), [M, K]);
  return async () => {
    const ts: number[] = [];
    for (let i = 0; i < 14; i++) {
      const t = performance.now();
      await session.run({ a });
      if (i >= 3) ts.push(performance.now() - t);
    }
    return (2 * PAIRS * 2 * M * K * N) / median(ts) / 1e6;
  };
}

/** CPU ms of one forward of `e` (process.cpuUsage: ORT's intra-op threads included). */
async function cpuMs(e: OnnxBertEngine, ids: number[][]): Promise<number> {
  const c0 = process.cpuUsage();
  await e.run({ input_ids: ids });
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}

/** fp32 BERT-base b1 on one thread each, CPU time per forward, alternating rounds (steadier than wall time on a busy machine). */
export async function perCoreForward(c: BenchBertConfig, [b, s]: [number, number], rounds: number, reps: number): Promise<PerCoreResult | { missing: string }> {
  const avail = peerAvailable();
  if (!avail.ok) return { missing: avail.reason! };
  const peer = new ServedPeer(1);
  try {
    const engine = await OnnxBertEngine.create({ config: c, weights: randomBertWeights(c), architecture: "BertModel", threads: 1, spinning: false });
    const ids = randomIds(b, s, c.vocab_size);
    await peer.call({ setup: "cpu", config: c, batch: b, seq: s, quantize: false });
    await engine.run({ input_ids: ids });
    const py: number[] = [];
    const ours: number[] = [];
    for (let r = 0; r < rounds; r++) {
      py.push(median((await peer.call({ time: "cpu", reps, cpu: true })).times_ms as number[]));
      const ts: number[] = [];
      for (let i = 0; i < reps; i++) ts.push(await cpuMs(engine, ids));
      ours.push(median(ts));
    }
    await engine.dispose();
    const flops = bertForwardFlops(c, b, s);
    const [pm, om] = [median(py), median(ours)];
    return { shape: [b, s], rounds, reps, pytorch_cpu_ms: pm, onnx_cpu_ms: om, ratio: median(ours.map((x, i) => x / py[i])), gflops_per_core: { pytorch: flops / pm / 1e6, onnx: flops / om / 1e6 } };
  } finally {
    peer.close();
  }
}

/** BERT-base forwards, fp32 and int8, bertlab ONNX vs PyTorch, alternating. null when the peer cannot run. */
export async function interleavedForward(c: BenchBertConfig, shapes: [number, number][], rounds: number, reps: (b: number) => number, threads = 2, withTfjs = false): Promise<{ info: PeerInfo; results: InterleavedResult[] } | { missing: string }> {
  const avail = peerAvailable();
  if (!avail.ok) return { missing: avail.reason! };
  const peer = new ServedPeer(threads);
  try {
    const info = (await peer.call({ info: true })).info as PeerInfo;
    const weights = randomBertWeights(c);
    const fp32 = await OnnxBertEngine.create({ config: c, weights, architecture: "BertModel", threads: Math.min(threads, cores()), spinning: false });
    const int8 = await OnnxBertEngine.create({ config: c, weights, architecture: "BertModel", threads: Math.min(threads, cores()), spinning: false, quantize: { per_channel: true } });
    const sgemm = await ortSgemm(Math.min(threads, cores()));
    const results: InterleavedResult[] = [];
    for (const [b, s] of shapes) {
      const ids = randomIds(b, s, c.vocab_size);
      for (const q of [false, true]) await peer.call({ setup: `b${b}${q ? "q" : ""}`, config: c, batch: b, seq: s, quantize: q });
      const a = await fp32.run({ input_ids: ids });
      const cos = cosine((await int8.run({ input_ids: ids })).last_hidden_state!.data, a.last_hidden_state!.data);
      const n = reps(b);
      const workloads: string[] = [...WORKLOADS, ...(withTfjs ? ["tfjs"] : [])];
      const perRound: Record<string, number[]> = Object.fromEntries(workloads.map((w) => [w, []]));
      const all: Record<string, number[]> = Object.fromEntries(workloads.map((w) => [w, []]));
      const tfjs = withTfjs ? tfjsForward(c, b, s) : null;
      tfjs?.run(); // warm-up: weight packing, first-call kernels
      /** n timed calls of one of bertlab's forwards (wall ms each). */
      const timed = async (forward: () => unknown): Promise<number[]> => {
        const ts: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await forward();
          ts.push(performance.now() - t);
        }
        return ts;
      };
      const ours = (e: OnnxBertEngine) => timed(() => e.run({ input_ids: ids }));
      const rates = { pytorch: [] as number[], onnx: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        const order: [string, () => Promise<number[]>][] = [
          ["pytorch", async () => (await peer.call({ time: `b${b}`, reps: n })).times_ms as number[]],
          ["onnx", () => ours(fp32)],
          ["pytorch int8", async () => (await peer.call({ time: `b${b}q`, reps: n })).times_ms as number[]],
          ["onnx int8", () => ours(int8)],
        ];
        if (tfjs) order.push(["tfjs", () => timed(tfjs.run)]);
        for (const [w, fn] of order) {
          const ts = await fn();
          all[w].push(...ts);
          perRound[w].push(median(ts));
        }
        rates.pytorch.push((await peer.call({ sgemm: true })).gflops as number);
        rates.onnx.push(await sgemm());
      }
      const ratio = (w: string, peerW: string) => median(perRound[w].map((x, i) => x / perRound[peerW][i]));
      const flops = bertForwardFlops(c, b, s);
      const ms: InterleavedResult["ms"] = {};
      const gflops: Record<string, number> = {};
      for (const w of workloads) {
        ms[w] = { times_ms: all[w], median_ms: median(perRound[w]) };
        gflops[w] = flops / ms[w].median_ms / 1e6;
      }
      tfjs?.dispose();
      results.push({
        shape: [b, s],
        rounds,
        reps: n,
        ms,
        ratios: { "onnx/pytorch": ratio("onnx", "pytorch"), "onnx int8/pytorch": ratio("onnx int8", "pytorch"), "onnx int8/pytorch int8": ratio("onnx int8", "pytorch int8"), "pytorch int8/pytorch": ratio("pytorch int8", "pytorch"), ...(tfjs ? { "tfjs/pytorch": ratio("tfjs", "pytorch") } : {}) },
        gflops,
        int8_cosine: cos,
        sgemm_gflops: { pytorch: median(rates.pytorch), onnx: median(rates.onnx) },
      });
    }
    await fp32.dispose();
    await int8.dispose();
    return { info, results };
  } finally {
    peer.close();
  }
}
