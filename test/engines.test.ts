// The ONNX engine against HF transformers 4.31 goldens (test/fixtures/models/<case>, shared with the
// models tests: config.json, model.safetensors, io.safetensors with inputs and every output incl.
// hidden_states and attentions; `out.loss` is not the engine's business and is skipped).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import type { TensorData } from "../src/hub/safetensors";
import { ENGINE_CASES, load_engine_case as load } from "./fixtures/models/engine_cases";
import { OnnxBertEngine, buildBertGraph, engine_for, release_engine, outputs_to_tensors, onnx_available, OutputTensor } from "../src/engines";
import { ready, tf } from "../src/backend";

const FIX = path.join(__dirname, "fixtures", "models");
const TOL = 1e-4;


function maxAbsDiff(got: OutputTensor, want: TensorData, what: string): number {
  assert.deepEqual(got.dims, want.shape, `${what}: dims`);
  let m = 0;
  for (let i = 0; i < want.data.length; i++) m = Math.max(m, Math.abs(got.data[i] - want.data[i]));
  assert.ok(Number.isFinite(m), `${what}: non-finite values`);
  return m;
}


const skip = onnx_available() ? false : "onnxruntime-node is not installed";

// With attentions requested the graph is made of plain ONNX ops; without, of ORT's fused contrib ops
// (Attention, SkipLayerNormalization, BiasGelu / FastGelu) wherever the config allows.
for (const name of ENGINE_CASES) for (const attentions of [true, false]) {
  test(`onnx engine matches HF 4.31: ${name}${attentions ? "" : " (fused graph, no attentions)"}`, { skip }, async () => {
    const c = load(name);
    const engine = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: c.config.architectures[0] });
    const t = (k: string) => c.io.get(`in.${k}`);
    const asIds = (x: TensorData | undefined) => (x ? { data: x.data, dims: x.shape } : undefined);
    const out = await engine.run(
      { input_ids: asIds(t("input_ids"))!, attention_mask: asIds(t("attention_mask")), token_type_ids: asIds(t("token_type_ids")) },
      { output_hidden_states: true, output_attentions: attentions },
    );
    let checked = 0;
    const outputs = [...c.io].filter(([k]) => k.startsWith("out.") && k !== "out.loss");
    for (const [key, want] of outputs) {
      const field = key.slice(4);
      if (!attentions && field.startsWith("attentions.")) {
        assert.equal(out.attentions, undefined, "attentions only when asked for");
        checked++;
        continue;
      }
      const m = /^(hidden_states|attentions)\.(\d+)$/.exec(field);
      const got = m ? (out[m[1]] as OutputTensor[] | undefined)?.[Number(m[2])] : (out[field] as OutputTensor | undefined);
      assert.ok(got, `${name}: output '${field}' missing (have ${Object.keys(out).join(", ")})`);
      const d = maxAbsDiff(got, want, `${name}.${field}`);
      assert.ok(d <= TOL, `${name}.${field}: max |diff| ${d} > ${TOL}`);
      checked++;
    }
    const L = c.config.num_hidden_layers as number;
    assert.equal(checked, outputs.length);
    assert.ok(checked >= 2 * L + 2, `${name}: only ${checked} outputs compared`);
    await engine.dispose();
  });
}

test("onnx engine: without flags only the head outputs come back; sessions are cached per flag set", { skip }, async () => {
  const c = load("masked_lm");
  const engine = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "BertForMaskedLM" });
  const ids = [[101, 5, 6, 7, 102]];
  const a = await engine.run({ input_ids: ids });
  assert.deepEqual(Object.keys(a), ["logits"]);
  assert.deepEqual(a.logits!.dims, [1, 5, 1000]);
  const b = await engine.run({ input_ids: ids, attention_mask: [[1, 1, 1, 1, 1]], token_type_ids: [[0, 0, 0, 0, 0]] }, { output_attentions: true });
  // the fused graph (a) and the plain-op graph (b, needed for attentions) agree; default mask / type ids are ones / zeros
  const diff = a.logits!.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.logits!.data[i])), 0);
  assert.ok(diff < 1e-5, `fused vs plain graph: max |diff| ${diff}`);
  assert.equal(b.attentions!.length, 2);
  assert.deepEqual(b.attentions![0].dims, [1, 4, 5, 5]);
  // each attention row is a probability distribution
  const row = b.attentions![1].data.slice(0, 5);
  assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  await engine.dispose();
  await assert.rejects(engine.run({ input_ids: ids }), /after dispose/);
});

test("onnx engine: tfjs inputs/outputs and engine_for caching", { skip }, async () => {
  await ready();
  const c = load("seq_cls_2");
  const model = { config: c.config, weights: c.weights, architecture: "BertForSequenceClassification" };
  const e1 = await engine_for(model);
  const e2 = await engine_for(model);
  assert.equal(e1, e2, "engine_for caches the engine per model object");
  const before = tf.memory().numTensors;
  const ids = tf.tensor2d([[101, 7, 8, 102]], [1, 4], "int32");
  const out = await e1.run({ input_ids: ids });
  const tensors = outputs_to_tensors(out);
  const logits = tensors.logits as tf.Tensor;
  assert.deepEqual(logits.shape, [1, 2]);
  tf.dispose([ids, logits]);
  assert.equal(tf.memory().numTensors, before, "no tfjs tensors leak");
  await release_engine(model);
  const e3 = await engine_for(model);
  assert.notEqual(e3, e1, "release_engine drops the cached engine");
  await release_engine(model);
});

test("onnx engine: transpose 'graph' mode (ORT folds Concat/Transpose; tied decoder shares the embedding) matches the goldens", { skip }, async () => {
  const { createSession } = await import("../src/engines/onnx/runtime");
  for (const name of ["pretraining", "bert_model"]) {
    const c = load(name);
    for (const fused of [true, false]) {
      const built = buildBertGraph(c.config, c.weights, c.config.architectures[0], { output_hidden_states: false, output_attentions: false, fused, transpose: "graph" });
      const js = buildBertGraph(c.config, c.weights, c.config.architectures[0], { output_hidden_states: false, output_attentions: false, fused, transpose: "js" });
      if (name === "pretraining") assert.ok(built.bytes.byteLength < js.bytes.byteLength - 100_000, "the tied decoder is stored once");
      const session = await createSession(built.bytes);
      const ort = await import("onnxruntime-node");
      const t = (k: string) => { const x = c.io.get(`in.${k}`)!; return new ort.Tensor("int64", BigInt64Array.from(x.data, (v) => BigInt(v)), x.shape); };
      const out = await session.run({ input_ids: t("input_ids"), attention_mask: t("attention_mask"), token_type_ids: t("token_type_ids") });
      for (const field of built.outputs) {
        const d = maxAbsDiff({ data: out[field].data as Float32Array, dims: out[field].dims.map(Number) }, c.io.get(`out.${field}`)!, `${name}.${field}`);
        assert.ok(d < TOL, `${name}.${field} (graph transpose, fused=${fused}): ${d}`);
      }
      await session.release();
    }
  }
});

test("onnx engine: keep_weights false builds the listed sessions up front and refuses others", { skip }, async () => {
  const c = load("bert_model");
  const ids = [[101, 5, 6, 7, 102]];
  const engine = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "BertModel", keep_weights: false, sessions: [{}, { output_hidden_states: true }] });
  assert.equal((await engine.run({ input_ids: ids }, { output_hidden_states: true })).hidden_states!.length, 3);
  assert.ok((await engine.run({ input_ids: ids })).last_hidden_state);
  await assert.rejects(engine.run({ input_ids: ids }, { output_attentions: true }), /no session was built for output_hidden_states=false, output_attentions=true and the weights were released/);
  await engine.dispose();
});

test("onnx engine: session settings (1 thread, no spinning, basic optimisation, static split) give the same numbers", { skip }, async () => {
  const c = load("bert_model");
  const ids = [[101, 5, 6, 7, 102]];
  const a = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "BertModel" });
  const b = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "BertModel", threads: 1, spinning: false, optimization: "basic", dynamic_block_base: 0 });
  await assert.rejects(OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "BertModel", dynamic_block_base: -1 }), /dynamic_block_base: expected an integer ≥ 0, got -1/);
  const [x, y] = [await a.run({ input_ids: ids }), await b.run({ input_ids: ids })];
  const d = x.last_hidden_state!.data.reduce((m, v, i) => Math.max(m, Math.abs(v - y.last_hidden_state!.data[i])), 0);
  assert.ok(d < 1e-5, `max |diff| ${d}`);
  await a.dispose();
  await b.dispose();
});

test("onnx engine: the fused contrib-op graph is chosen only where the config allows it", () => {
  const c = load("bert_model");
  const build = (config: Record<string, unknown>, flags: { output_attentions: boolean; fused?: boolean }) =>
    buildBertGraph(config, c.weights, "BertModel", { output_hidden_states: false, ...flags }).fused;
  assert.equal(build(c.config, { output_attentions: false }), true);
  assert.equal(build(c.config, { output_attentions: true }), false, "attention probabilities need the plain graph");
  assert.equal(build(c.config, { output_attentions: false, fused: false }), false);
  assert.equal(build({ ...c.config, hidden_act: "relu" }, { output_attentions: false }), false);
  const rel = load("bert_model_relative_key");
  assert.equal(buildBertGraph(rel.config, rel.weights, "BertModel", { output_hidden_states: false, output_attentions: false }).fused, false);
});

test("onnx engine: clear errors for bad architectures, weights and inputs", { skip }, async () => {
  const c = load("bert_model");
  await assert.rejects(OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "GPT2Model" }), /architecture 'GPT2Model' is not supported; expected one of BertModel/);
  const partial = new Map(c.weights);
  partial.delete("encoder.layer.1.attention.self.key.weight");
  assert.throws(
    () => buildBertGraph(c.config, partial, "BertModel", { output_hidden_states: false, output_attentions: false }),
    /BertModel: missing weight 'bert.encoder.layer.1.attention.self.key.weight'/,
  );
  assert.throws(
    () => buildBertGraph({ ...c.config, hidden_act: "mystery" }, c.weights, "BertModel", { output_hidden_states: false, output_attentions: false }),
    /hidden_act='mystery' is not supported/,
  );
  assert.throws(
    () => buildBertGraph({ ...c.config, add_cross_attention: true }, c.weights, "BertLMHeadModel", { output_hidden_states: false, output_attentions: false }),
    /cross-attention/,
  );
  const engine = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: "BertModel" });
  await assert.rejects(engine.run({ input_ids: [1, 2, 3] as unknown as number[][] }), /input_ids has shape \[3\]; expected \[batch, seq\]/);
  await assert.rejects(engine.run({ input_ids: [[1, 2, 5000]] }), /id 5000 is outside the vocabulary \[0, 1000\)/);
  await assert.rejects(engine.run({ input_ids: [[1, 2, 3]], attention_mask: [[1, 1]] }), /attention_mask has shape \[1,2\]; expected the shape of input_ids \[1,3\]/);
  await assert.rejects(engine.run({ input_ids: [Array.from({ length: 65 }, () => 1)] }), /sequence length 65 exceeds config.max_position_embeddings=64/);
  await engine.dispose();
});

test("engine_for(model) compiles a bertlab model (src/models) and matches its tfjs forward", { skip }, async () => {
  await ready();
  const { BertForSequenceClassification, BertForMaskedLM } = await import("../src/models");
  for (const [cls, dir, field] of [
    [BertForSequenceClassification, "seq_cls_2", "logits"],
    [BertForMaskedLM, "masked_lm", "logits"],
  ] as const) {
    const model = await (cls as typeof BertForSequenceClassification).from_pretrained(path.join(FIX, dir), { quiet: true });
    model.eval();
    const ids = [[101, 7, 8, 9, 102, 0]];
    const mask = [[1, 1, 1, 1, 1, 0]];
    const engine = await engine_for(model as unknown as Parameters<typeof engine_for>[0]);
    assert.equal(engine.architecture, cls.name);
    const out = await engine.run({ input_ids: ids, attention_mask: mask });
    const input_ids = tf.tensor2d(ids, [1, 6], "int32");
    const attention_mask = tf.tensor2d(mask, [1, 6], "int32");
    const ref = (model as unknown as (x: object) => Record<string, tf.Tensor>)({ input_ids, attention_mask });
    const want = ref[field];
    const got = out[field] as OutputTensor;
    assert.deepEqual(got.dims, want.shape);
    const d = maxAbsDiff(got, { dtype: "float32", shape: want.shape, data: want.dataSync() as Float32Array }, `${dir} ${field}`);
    assert.ok(d < 1e-4, `${dir}: onnx vs tfjs max |diff| ${d}`);
    tf.dispose([input_ids, attention_mask, ...Object.values(ref).filter((t) => t instanceof tf.Tensor)]);
    await release_engine(model);
    model.dispose();
  }
});

test("forward_with_engine: auto runs ONNX for inference, tfjs otherwise, and recompiles after a weight change", { skip }, async () => {
  await ready();
  const { BertForSequenceClassification } = await import("../src/models");
  const { forward_with_engine, onnx_unsupported_reason } = await import("../src/engines");
  const model = await BertForSequenceClassification.from_pretrained(path.join(FIX, "seq_cls_2"), { quiet: true });
  const m = model as unknown as Parameters<typeof forward_with_engine>[0];
  const input_ids = tf.tensor2d([[101, 7, 8, 9, 102]], [1, 5], "int32");
  const labels = tf.tensor1d([1], "int32");
  model.train();
  assert.match(String(onnx_unsupported_reason(m, { input_ids })), /training mode/, "dropout is tfjs only");
  model.eval();
  assert.equal(onnx_unsupported_reason(m, { input_ids }), null);
  assert.match(String(onnx_unsupported_reason(m, { input_ids, labels })), /'labels' asks for a loss/);
  await assert.rejects(forward_with_engine(m, { input_ids, labels }, { engine: "onnx" }), /engine 'onnx' cannot run this call: 'labels'/);

  const close = async () => {
    const onnx = await forward_with_engine(m, { input_ids }, { engine: "onnx", output_hidden_states: true });
    const ref = await forward_with_engine(m, { input_ids }, { engine: "tfjs", output_hidden_states: true });
    assert.equal(model.last_engine, "tfjs", "engine 'tfjs' really ran tfjs (model.forward alone would pick ONNX in eval)");
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(onnx.logits as tf.Tensor, ref.logits as tf.Tensor))).dataSync()[0]);
    assert.equal((onnx.hidden_states as tf.Tensor[]).length, 3);
    const first = (onnx.logits as tf.Tensor).dataSync()[0];
    tf.dispose([...Object.values(onnx).flat(), ...Object.values(ref).flat()] as tf.Tensor[]);
    return { d, first };
  };
  const a = await close();
  assert.ok(a.d < 1e-4, `onnx vs tfjs ${a.d}`);
  // change the classifier weights: the next ONNX call must see them
  const w = model.state_dict().get("classifier.weight") as tf.Variable;
  const bumped = tf.tidy(() => tf.add(w, 0.5));
  w.assign(bumped);
  bumped.dispose();
  const b = await close();
  assert.ok(b.d < 1e-4, `after assign: onnx vs tfjs ${b.d}`);
  assert.ok(Math.abs(b.first - a.first) > 1e-3, "the ONNX engine was recompiled with the new weights");
  const auto = await forward_with_engine(m, { input_ids, labels }); // auto + labels → tfjs with a loss
  assert.ok(auto.loss instanceof tf.Tensor);
  tf.dispose([...Object.values(auto).flat(), input_ids, labels] as tf.Tensor[]);
  const { release_engine: release } = await import("../src/engines");
  await release(model);
  model.dispose();
});
