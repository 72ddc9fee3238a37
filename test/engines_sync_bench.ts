// The synchronous bridge's overhead (not part of `npm test`): a BERT-base-shaped BertModel (hidden 768,
// 12 layers, random HF init), seq 128, through model.forward with engine "onnx" (worker + Atomics.wait)
// against the async OnnxBertEngine on the same weights in the main thread.
//   node --import tsx test/engines_sync_bench.ts [reps=10] [rounds=2] [seq=128] [batch=1] [base|tiny]
// "tiny" (hidden 32, 2 layers) makes the per-call fixed cost of the bridge stand out.
// Phases alternate (direct, bridge, direct, bridge...) so drift on a shared machine shows; one engine
// is alive at a time so ORT thread pools do not compete. Prints one JSON line per phase, then a summary.
import { ready, tf } from "../src/backend";
import { BertModel, dispose_output } from "../src/models";
import { OnnxBertEngine, outputs_to_tensors, weights_from_tensors } from "../src/engines";

const [reps, rounds, seq, batch] = [10, 2, 128, 1].map((d, i) => Number(process.argv[2 + i] ?? d) || d);
const SIZES = {
  base: { vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 },
  tiny: { vocab_size: 1000, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 37, max_position_embeddings: 512 },
};
const size = (process.argv[6] ?? "base") as keyof typeof SIZES;
const CONFIG = SIZES[size];
if (!CONFIG) throw new Error(`size '${process.argv[6]}': expected base or tiny`);

/** Wall and process CPU (all threads: main, worker, ORT pool) ms of one call. */
async function timed(fn: () => unknown): Promise<[number, number]> {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return [wall, (d.user + d.system) / 1000];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  await ready();
  const model = new BertModel(CONFIG).eval();
  const ids: number[][] = Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, i) => (i * 7919 + b * 31 + 101) % CONFIG.vocab_size));
  const input_ids = tf.tensor2d(ids, [batch, seq], "int32");
  const summary: Record<string, number[]> = { direct_run: [], direct_run_to_tensors: [], bridge_forward: [], direct_cpu: [], bridge_cpu: [] };
  for (let round = 0; round < rounds; round++) {
    // the async engine, main thread: run only, and run + tfjs tensors (what forward_with_engine returns)
    const t = performance.now();
    const engine = await OnnxBertEngine.create({ config: CONFIG, weights: weights_from_tensors(model.state_dict()), architecture: "BertModel" });
    const build = performance.now() - t;
    const run: number[] = [];
    const runT: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const [a] = await timed(() => engine.run({ input_ids }));
      const [b, c] = await timed(async () => {
        const out = outputs_to_tensors(await engine.run({ input_ids }));
        (out.last_hidden_state as tf.Tensor).dataSync();
        tf.dispose(Object.values(out).flat());
      });
      if (i > 0) {
        // the first is a warm-up
        run.push(a);
        runT.push(b);
        cpu.push(c);
      }
    }
    await engine.dispose();
    console.log(JSON.stringify({ phase: "direct", round, build_ms: Math.round(build), run_ms: median(run), run_to_tensors_ms: median(runT), cpu_ms: median(cpu) }));
    summary.direct_run.push(median(run));
    summary.direct_run_to_tensors.push(median(runT));
    summary.direct_cpu.push(median(cpu));

    // the synchronous bridge: model.forward with engine "onnx" (the first call starts the worker / ships the weights)
    model.engine = "onnx";
    const fwd: number[] = [];
    const fcpu: number[] = [];
    let first = 0;
    for (let i = 0; i <= reps; i++) {
      const [w, c] = await timed(() => {
        const out = model.forward({ input_ids });
        out.last_hidden_state.dataSync();
        dispose_output(out);
      });
      if (i === 0) first = w;
      else {
        fwd.push(w);
        fcpu.push(c);
      }
    }
    if (model.last_engine !== "onnx") throw new Error("the bridge did not run");
    console.log(JSON.stringify({ phase: "bridge", round, first_call_ms: Math.round(first), forward_ms: median(fwd), cpu_ms: median(fcpu) }));
    summary.bridge_forward.push(median(fwd));
    summary.bridge_cpu.push(median(fcpu));
    // drop the worker's sessions (and its copy of the weights) before the next direct phase
    (await import("../src/engines")).release_sync_engine(model);
  }
  const m = (k: string) => median(summary[k]);
  console.log(JSON.stringify({
    size, shape: `b${batch} s${seq}`, reps, rounds, direct_cpu_ms: m("direct_cpu"), bridge_cpu_ms: m("bridge_cpu"),
    direct_run_ms: m("direct_run"), direct_run_to_tensors_ms: m("direct_run_to_tensors"), bridge_forward_ms: m("bridge_forward"),
    overhead_vs_run_ms: +(m("bridge_forward") - m("direct_run")).toFixed(2), overhead_vs_run_to_tensors_ms: +(m("bridge_forward") - m("direct_run_to_tensors")).toFixed(2),
  }));
  input_ids.dispose();
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
