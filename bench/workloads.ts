// The timed workloads of `npm run bench`, each returning plain numbers (the runner builds rows).
import { tf } from "../src/backend";
import { OnnxBertEngine, cores } from "../src/engines";
import { clear_linear_cache } from "../src/ops";
import { BertModel, BertForSequenceClassification } from "../src/models";
import { AdamW } from "../src/training";
import { median } from "./common";
import { BenchBertConfig, randomBertWeights, randomIds } from "./random_bert";
import { bertForward, toVariables } from "./tfjs_bert";

export interface Timing {
  median_ms: number;
  times_ms: number[];
  /** Median process CPU time per call (user + system, all threads). */
  cpu_ms: number;
}

export async function timeIt(fn: () => Promise<void> | void, warmup: number, reps: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1000);
  }
  return { median_ms: median(times), times_ms: times, cpu_ms: median(cpu) };
}

/** ONNX Runtime forward of BertModel (random weights of the real shapes). */
export async function onnxForward(c: BenchBertConfig, shapes: [number, number][], reps: number): Promise<{ threads: number; build_ms: number; results: Timing[] }> {
  const weights = randomBertWeights(c);
  const t = performance.now();
  const engine = await OnnxBertEngine.create({ config: c, weights, architecture: "BertModel" });
  const build_ms = performance.now() - t;
  const results: Timing[] = [];
  for (const [b, s] of shapes) {
    const ids = randomIds(b, s, c.vocab_size);
    results.push(await timeIt(async () => void (await engine.run({ input_ids: ids })), 1, b > 1 ? Math.max(3, reps >> 1) : reps));
  }
  await engine.dispose();
  return { threads: cores(), build_ms, results };
}

/**
 * bertlab's BertModel (src/models) forward in eval mode, on tfjs (the active backend) or — engine "onnx" —
 * through model.forward's synchronous ONNX bridge (src/engines/sync). The engine is pinned: in "auto",
 * an eval-mode forward would run on ONNX whenever onnxruntime-node loads.
 */
export async function tfjsModelForward(c: BenchBertConfig, shapes: [number, number][], reps: number, engine: "tfjs" | "onnx" = "tfjs"): Promise<Timing[]> {
  const model = new BertModel({ ...c, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  model.eval();
  model.engine = engine;
  const results: Timing[] = [];
  for (const [b, s] of shapes) {
    const input_ids = tf.tensor2d(randomIds(b, s, c.vocab_size), [b, s], "int32");
    results.push(
      await timeIt(
        () => {
          const out = model({ input_ids });
          (out.last_hidden_state as tf.Tensor).dataSync();
          tf.dispose(out as unknown as tf.TensorContainer);
          if (model.last_engine !== engine) throw new Error(`bench: the forward ran on ${model.last_engine}, expected ${engine}`);
        },
        1,
        b > 1 ? 2 : reps,
      ),
    );
    input_ids.dispose();
  }
  model.dispose();
  return results;
}

/** The bench's own compact forward over src/ops (bench/tfjs_bert.ts), for comparison and profiles. */
export async function tfjsOpsForward(c: BenchBertConfig, b: number, s: number, reps: number, profile = false): Promise<{ timing: Timing; kernels?: { name: string; ms: number; count: number }[] }> {
  const params = toVariables(randomBertWeights(c));
  const ids = tf.tensor2d(randomIds(b, s, c.vocab_size), [b, s], "int32");
  const mask = tf.onesLike(ids) as tf.Tensor2D;
  const types = tf.zerosLike(ids) as tf.Tensor2D;
  const run = () => void tf.tidy(() => bertForward(c, params, ids, mask, types)[0]).dispose();
  const timing = await timeIt(run, 1, reps);
  let kernels: { name: string; ms: number; count: number }[] | undefined;
  if (profile) {
    // tf.profile lists kernels; matMuls are split by kind (dense 2-D vs batched attention) and the
    // customGrad wrappers ("unnamed scope", whose time is already in the kernels inside) are left out.
    const agg = new Map<string, { ms: number; count: number }>();
    const info = await tf.profile(() => tf.tidy(() => bertForward(c, params, ids, mask, types)[0].clone()));
    for (const k of info.kernels) {
      if (k.name === "unnamed scope" || k.name.endsWith("__op")) continue; // scopes: their time is in the kernels inside
      let name = k.name;
      if (name === "BatchMatMul" || name === "_FusedMatMul") {
        const rank = k.inputShapes[0]?.length ?? 0;
        const [m, kk] = (k.inputShapes[0] ?? []).slice(-2);
        name = rank === 2 || k.name === "_FusedMatMul" ? (kk === c.hidden_size || kk === c.intermediate_size ? "MatMul 2-D (dense)" : `MatMul 2-D (attention slice ${m}x${kk})`) : "BatchMatMul (attention, batched)";
      }
      const e = agg.get(name) ?? { ms: 0, count: 0 };
      e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      e.count++;
      agg.set(name, e);
    }
    tf.dispose(info.result as tf.Tensor);
    kernels = [...agg].map(([name, v]) => ({ name, ...v })).sort((x, y) => y.ms - x.ms);
  }
  tf.dispose([ids, mask, types, ...params.values()]);
  return { timing, kernels };
}

/** One training step of BertForSequenceClassification (2 labels): forward + backward + AdamW. */
export async function tfjsTrainStep(c: BenchBertConfig, b: number, s: number, reps: number): Promise<Timing & { loss_first: number; loss_last: number }> {
  const model = new BertForSequenceClassification({ ...c, num_labels: 2, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  model.train();
  model.engine = "tfjs";
  const opt = new AdamW({ lr: 5e-5, weight_decay: 0.01 });
  const input_ids = tf.tensor2d(randomIds(b, s, c.vocab_size), [b, s], "int32");
  const labels = tf.tensor1d(Array.from({ length: b }, (_, i) => i % 2), "int32");
  const vars = model.parameters();
  const losses: number[] = [];
  const step = () => {
    const cost = opt.minimize(() => model({ input_ids, labels }).loss as tf.Scalar, true, vars);
    losses.push(cost!.dataSync()[0]);
    cost!.dispose();
  };
  const t = await timeIt(step, 1, reps);
  tf.dispose([input_ids, labels]);
  opt.dispose();
  model.dispose();
  return { ...t, loss_first: losses[0], loss_last: losses[losses.length - 1] };
}

/** RSS after a full GC when node runs with --expose-gc (npm run bench passes it), else as is. */
function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

/** Size of the wasm backend's heap (reserved, never shrinks), or 0 on other backends. */
function wasmHeap(): number {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length ?? 0;
}

/**
 * n forwards of a small BertModel. A leak shows as growing tfjs tensors / bytes, a growing wasm heap or a
 * growing JS heap (after GC when node runs with --expose-gc, as `npm run bench` does). RSS is reported
 * too, but it also grows when already-reserved heap pages are touched for the first time.
 */
export async function leakCheck(c: BenchBertConfig, n: number): Promise<{ tensors_before: number; tensors_after: number; bytes_before: number; bytes_after: number; wasm_heap_growth_mb: number; js_heap_growth_mb: number; rss_growth_mb: number; ms_per_forward: number }> {
  clear_linear_cache(); // drop transposes of earlier workloads' weights, so the counts below are this model's
  const model = new BertModel({ ...c, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  model.eval();
  model.engine = "tfjs";
  const input_ids = tf.tensor2d(randomIds(2, 16, c.vocab_size), [2, 16], "int32");
  const once = () => tf.dispose(model({ input_ids }) as unknown as tf.TensorContainer);
  for (let i = 0; i < 20; i++) once(); // warm caches (transposed weights, kernels, allocator)
  const m0 = tf.memory();
  const [heap0, rss0, js0] = [wasmHeap(), rss(), process.memoryUsage().heapUsed];
  const t = performance.now();
  for (let i = 0; i < n; i++) once();
  const ms = (performance.now() - t) / n;
  const m1 = tf.memory();
  const rss1 = rss();
  const mb = (x: number) => x / 2 ** 20;
  const out = {
    tensors_before: m0.numTensors, tensors_after: m1.numTensors, bytes_before: m0.numBytes, bytes_after: m1.numBytes,
    wasm_heap_growth_mb: mb(wasmHeap() - heap0), js_heap_growth_mb: mb(process.memoryUsage().heapUsed - js0), rss_growth_mb: mb(rss1 - rss0), ms_per_forward: ms,
  };
  input_ids.dispose();
  model.dispose();
  return out;
}

/** n runs of the ONNX engine on a small BertModel: RSS growth (ORT's arena is warmed first). */
export async function onnxLeakCheck(c: BenchBertConfig, n: number): Promise<{ rss_growth_mb: number; rss_growth_second_half_mb: number; ms_per_forward: number }> {
  const engine = await OnnxBertEngine.create({ config: c, weights: randomBertWeights(c), architecture: "BertModel" });
  const ids = randomIds(2, 16, c.vocab_size);
  for (let i = 0; i < 20; i++) await engine.run({ input_ids: ids });
  const rss0 = rss();
  let rssHalf = rss0;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    await engine.run({ input_ids: ids });
    if (i === (n >> 1) - 1) rssHalf = rss();
  }
  const ms = (performance.now() - t) / n;
  const rss1 = rss();
  const out = { rss_growth_mb: (rss1 - rss0) / 2 ** 20, rss_growth_second_half_mb: (rss1 - rssHalf) / 2 ** 20, ms_per_forward: ms };
  await engine.dispose();
  return out;
}

/** One-thread ONNX forward measured in process CPU time (ms per run): the per-core comparison. */
export async function onnxForwardCpu(c: BenchBertConfig, b: number, s: number, reps: number): Promise<{ cpu_ms: number; wall_ms: number }> {
  const engine = await OnnxBertEngine.create({ config: c, weights: randomBertWeights(c), architecture: "BertModel", threads: 1, spinning: false });
  const ids = randomIds(b, s, c.vocab_size);
  for (let i = 0; i < 2; i++) await engine.run({ input_ids: ids });
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    await engine.run({ input_ids: ids });
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1000);
  }
  await engine.dispose();
  return { cpu_ms: median(cpu), wall_ms: median(wall) };
}
