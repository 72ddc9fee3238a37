// What each ops change bought: the same forward (bench/tfjs_bert.ts) with the primitives as they were
// and with each improvement added, timed interleaved in one process so machine load hits all alike.
import { tf } from "../src/backend";
import { bmm, linear, set_bmm_slice_limit, set_linear_cache } from "../src/ops";
import { median } from "./common";
import { BenchBertConfig, randomBertWeights, randomIds } from "./random_bert";
import { bertForward, OpsImpl, toVariables } from "./tfjs_bert";

/** The original primitives: matMul with the transpose flag, batched attention matMul. */
const flags: OpsImpl = {
  linear: (x, w, b) => {
    const y = tf.matMul(x.reshape([-1, w.shape[1]]), w, false, true);
    return (b ? tf.add(y, b) : y).reshape([...x.shape.slice(0, -1), w.shape[0]]);
  },
  bmm: (a, b, t = false) => tf.matMul(a, b, false, t),
};

interface Variant {
  name: string;
  ops: OpsImpl;
  setup: () => void;
}

const VARIANTS: Variant[] = [
  { name: "matMul transpose flags (original ops)", ops: flags, setup: () => set_linear_cache(true) },
  { name: "linear: explicit Wᵀ each call", ops: { linear, bmm: flags.bmm }, setup: () => set_linear_cache(false) },
  { name: "linear: cached Wᵀ + fused bias", ops: { linear, bmm: flags.bmm }, setup: () => set_linear_cache(true) },
  { name: "+ bmm: SlicedMatMul kernel (current)", ops: { linear, bmm }, setup: () => (set_linear_cache(true), set_bmm_slice_limit(4096)) },
];

export async function ablation(c: BenchBertConfig, b: number, s: number, reps: number): Promise<{ name: string; median_ms: number }[]> {
  const params = toVariables(randomBertWeights(c));
  const ids = tf.tensor2d(randomIds(b, s, c.vocab_size), [b, s], "int32");
  const mask = tf.onesLike(ids) as tf.Tensor2D;
  const types = tf.zerosLike(ids) as tf.Tensor2D;
  const times: number[][] = VARIANTS.map(() => []);
  for (let r = -1; r < reps; r++) {
    VARIANTS.forEach((v, i) => {
      v.setup();
      const t = performance.now();
      tf.tidy(() => bertForward(c, params, ids, mask, types, v.ops)[0].dataSync());
      if (r >= 0) times[i].push(performance.now() - t); // r = -1 warms each variant
    });
  }
  set_linear_cache(true);
  tf.dispose([ids, mask, types, ...params.values()]);
  return VARIANTS.map((v, i) => ({ name: v.name, median_ms: median(times[i]) }));
}
