// int8 inference (model.quantize() / OnnxBertEngine quantize): dynamically quantized weights against
// the fp32 goldens of HF transformers 4.31 (test/fixtures/models). What is asserted:
// - quantizeWeight: per-channel scales = max|row| / 127, every weight within scale / 2 after dequantizing;
// - on every golden case, int8 (per channel) against HF's fp32 outputs: cosine of each hidden state and
//   of every float head output ≥ 0.999, top-1 agreement of the logits rows (where a row's top two fp32
//   logits are further apart than the int8 error bound), and the graph really ran int8 (outputs differ);
// - model.quantize() through model.forward, quantize(null) back to fp32 (within 1e-4 of the golden).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TensorData } from "../src/hub/safetensors";
import { ENGINE_CASES, load_engine_case as load } from "./fixtures/models/engine_cases";
import { int8_cpu_info, OnnxBertEngine, onnx_available, OutputTensor, quantizeWeight } from "../src/engines";
import { ready, tf } from "../src/backend";
import { cosine } from "../bench/common";
import { BertForPreTraining } from "../src/models";
import { BertTokenizer } from "../src/tokenizers";
import { sotu_documents } from "../scripts/corpus";
import { heldout_batches, tokenize_documents } from "../scripts/pretrain-mini-bert";

const skip = onnx_available() ? false : "onnxruntime-node is not installed";
process.env.BERTLAB_INT8_CACHE = "off"; // every graph built here (engines_quantize_cache.test.ts tests the cache)



test("quantizeWeight: per-channel scales and a rounding error of at most scale/2", () => {
  const out = 3, inp = 4;
  const w = new Float32Array([0.5, -1, 0.25, 0.1, /* row 1 */ 2, 0, -0.02, 1.3, /* row 2 */ 0, 0, 0, 0]);
  const q = quantizeWeight([w], out, inp, true);
  assert.deepEqual([...q.scales].map((s) => +s.toFixed(7)), [1 / 127, 2 / 127, 1].map((s) => +Math.fround(s).toFixed(7)));
  for (let r = 0; r < out; r++) for (let c = 0; c < inp; c++) {
    const back = q.q[c * out + r] * q.scales[r]; // [in, out] layout
    assert.ok(Math.abs(back - w[r * inp + c]) <= q.scales[r] / 2 + 1e-7, `w[${r},${c}]`);
  }
  assert.equal(q.q[0 * out + 1], 127); // 2 → +127 at the row max
  const t = quantizeWeight([w], out, inp, false);
  assert.equal(t.scales.length, 1);
  assert.ok(Math.abs(t.scales[0] - 2 / 127) < 1e-9);
});


/** Rows of `n` logits whose fp32 top two are further apart than `margin`: how many agree on top-1. */
function top1Agreement(got: ArrayLike<number>, want: ArrayLike<number>, n: number, margin: number): { rows: number; agree: number } {
  let rows = 0, agree = 0;
  for (let r = 0; r * n < want.length; r++) {
    const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => want[r * n + j] - want[r * n + i]);
    if (n > 1 && want[r * n + idx[0]] - want[r * n + idx[1]] <= margin) continue; // a near tie: either answer is right
    let best = 0;
    for (let i = 1; i < n; i++) if (got[r * n + i] > got[r * n + best]) best = i;
    rows++;
    if (best === idx[0]) agree++;
  }
  return { rows, agree };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let topRows = 0; // logits rows compared on top-1 over all cases

const LOGITS = ["logits", "prediction_logits", "seq_relationship_logits", "start_logits", "end_logits"];

for (const name of ENGINE_CASES) {
  test(`int8 (per channel) against HF fp32: ${name}`, { skip }, async () => {
    const c = load(name);
    const engine = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: c.config.architectures[0], quantize: { per_channel: true } });
    const t = (k: string) => c.io.get(`in.${k}`);
    const asIds = (x: TensorData | undefined) => (x ? { data: x.data, dims: x.shape } : undefined);
    const out = await engine.run({ input_ids: asIds(t("input_ids"))!, attention_mask: asIds(t("attention_mask")), token_type_ids: asIds(t("token_type_ids")) }, { output_hidden_states: true });
    await engine.dispose();
    let changed = 0;
    let checked = 0;
    for (const [key, want] of c.io) {
      if (!key.startsWith("out.") || key === "out.loss" || key.startsWith("out.attentions.")) continue;
      const field = key.slice(4);
      const m = /^hidden_states\.(\d+)$/.exec(field);
      const got = (m ? (out.hidden_states as OutputTensor[])[Number(m[1])] : out[field]) as OutputTensor;
      assert.ok(got, `${name}: output ${field} missing`);
      assert.deepEqual(got.dims, want.shape, `${field}: dims`);
      const w = want.data as Float32Array;
      const cos = cosine(got.data, w);
      const err = maxAbs(got.data, w);
      assert.ok(cos >= 0.999, `${name} ${field}: cosine ${cos} < 0.999`);
      if (m && Number(m[1]) > 0 && err > 1e-5) changed++; // the encoder layers really ran int8
      if (LOGITS.includes(field) && !(name === "seq_cls_regression" || name === "seq_cls_multilabel")) {
        const n = want.shape.length > 1 ? want.shape[want.shape.length - 1] : want.shape[0];
        const top = top1Agreement(got.data, w, n, 2 * err); // rows closer than twice the int8 error may flip
        assert.equal(top.agree, top.rows, `${name} ${field}: top-1 agrees on ${top.agree} of ${top.rows} rows`);
        topRows += top.rows;
      }
      checked++;
    }
    assert.ok(checked >= 2, `${name}: ${checked} outputs compared`);
    assert.ok(changed > 0, `${name}: int8 outputs equal fp32 to 1e-5 — was the graph quantized?`);
  });
}

test("int8 top-1 agreement covered most logits rows (few near ties skipped)", { skip }, () => {
  // 4 × 18 token rows + 14 sequence rows; 66 of these 86 are further apart than twice the int8 error
  assert.ok(topRows >= 60, `${topRows} rows compared`);
});

test("the shipped mini-BERT (trained): model.quantize() in model.forward against fp32 on held-out text", { skip }, async () => {
  await ready();
  const model = await BertForPreTraining.from_pretrained("bertlab/mini-bert-uncased", { local_files_only: true, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased", { local_files_only: true });
  const { heldout } = sotu_documents();
  const [batch] = heldout_batches(tok, tokenize_documents(tok, heldout.slice(0, 2)), 8, 8, 128);
  const [b, s] = [batch.input_ids.length, batch.input_ids[0].length];
  const inputs = {
    input_ids: tf.tensor2d(batch.input_ids, [b, s], "int32"),
    token_type_ids: tf.tensor2d(batch.token_type_ids, [b, s], "int32"),
    attention_mask: tf.tensor2d(batch.attention_mask, [b, s], "int32"),
    output_hidden_states: true,
  };
  model.engine = "onnx";
  const run = () => {
    const o = model(inputs) as unknown as { prediction_logits: tf.Tensor; seq_relationship_logits: tf.Tensor; hidden_states: tf.Tensor[] };
    const r = { mlm: o.prediction_logits.dataSync() as Float32Array, nsp: o.seq_relationship_logits.dataSync() as Float32Array, last: o.hidden_states[o.hidden_states.length - 1].dataSync() as Float32Array };
    tf.dispose(o as unknown as tf.TensorContainer);
    return r;
  };
  const fp32 = run();
  assert.equal(model.quantize(), model);
  assert.deepEqual(model.quantization, { dtype: "int8", per_channel: true, scheme: int8_cpu_info().scheme }); // the CPU's scheme (engines_quantize_schemes.test.ts)
  const int8 = run();
  assert.equal(model.last_engine, "onnx");
  const V = 30522;
  const rows = (x: Float32Array) => batch.masked_positions.map((p) => x.subarray(p * V, (p + 1) * V));
  const [qm, fm] = [rows(int8.mlm), rows(fp32.mlm)];
  let agree = 0;
  let minCos = 1;
  for (let i = 0; i < qm.length; i++) {
    minCos = Math.min(minCos, cosine(qm[i], fm[i]));
    if (argmax(qm[i]) === argmax(fm[i])) agree++;
  }
  const hidCos = cosine(int8.last, fp32.last);
  console.log(`mini-BERT int8 vs fp32: last hidden cosine ${hidCos.toFixed(5)}, masked-token logits cosine ≥ ${minCos.toFixed(5)}, top-1 ${agree}/${qm.length}, max |Δ| hidden ${maxAbs(int8.last, fp32.last).toFixed(4)}`);
  assert.ok(maxAbs(int8.last, fp32.last) > 1e-4, "int8 outputs equal fp32: the forward did not run quantized");
  assert.ok(hidCos >= 0.999, `last hidden state cosine ${hidCos}`);
  assert.ok(minCos >= 0.999, `masked-token logits cosine ${minCos}`);
  assert.ok(agree >= 0.97 * qm.length, `top-1 agrees on ${agree} of ${qm.length} masked tokens`);
  model.quantize(null);
  const back = run();
  assert.ok(maxAbs(back.last, fp32.last) < 1e-5, "quantize(null) returns to the fp32 graph");
  assert.ok(maxAbs(back.nsp, fp32.nsp) < 1e-5);
  tf.dispose([inputs.input_ids, inputs.token_type_ids, inputs.attention_mask]);
  model.dispose();
});

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}
