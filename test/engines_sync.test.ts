// model.forward on ONNX Runtime through the synchronous worker bridge (src/engines/sync): the same
// numbers as the tfjs forward and as HF 4.31 (goldens in test/fixtures/models, 1e-4), the engine
// switch (model.engine, BERTLAB_ENGINE, auto's choices), weight changes, errors, leaks, process exit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  tf, ready, BertModel, BertForPreTraining, BertForMaskedLM, BertLMHeadModel, BertForNextSentencePrediction,
  BertForSequenceClassification, BertForMultipleChoice, BertForTokenClassification, BertForQuestionAnswering,
  BertPreTrainedModel, dispose_output,
} from "../src";
import { engine_info, set_default_engine, has_sync_engine, SyncOnnxBridge, sync_bridge, onnx_available, with_engine, engine_setting, write_graph } from "../src/engines";
import { readSafetensors } from "../src/hub/safetensors";
import { loadCase, inputsOf, assertClose, caseDir, golden } from "./fixtures/models/golden";
import { ENGINE_CASES } from "./fixtures/models/engine_cases";

const CLASSES: Record<string, { from_pretrained(dir: string, o?: object): Promise<BertPreTrainedModel> }> = {
  BertModel, BertForPreTraining, BertForMaskedLM, BertLMHeadModel, BertForNextSentencePrediction,
  BertForSequenceClassification, BertForMultipleChoice, BertForTokenClassification, BertForQuestionAnswering,
};
const skip = onnx_available() ? false : "onnxruntime-node is not installed";
type Out = Record<string, unknown>;

// The two real-vocabulary cases (30,522 tokens) stay in the shared folder; they run where it exists.
const SHARED = "/work/shared/golden/models";
const REAL_VOCAB = ["real_vocab_pretraining_seed_sentence", "real_vocab_masked_lm_batch"];
const dirOf = (name: string): string => (REAL_VOCAB.includes(name) ? path.join(SHARED, name) : caseDir(name));

async function load(name: string): Promise<BertPreTrainedModel> {
  await ready();
  return CLASSES[loadCase(dirOf(name)).meta.model_class].from_pretrained(dirOf(name), { quiet: true });
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Every tensor of an output record, with its path (hidden_states.2, ...). */
function leaves(out: Out): [string, tf.Tensor][] {
  const res: [string, tf.Tensor][] = [];
  for (const [k, v] of Object.entries(out)) {
    if (v instanceof tf.Tensor) res.push([k, v]);
    else if (Array.isArray(v)) v.forEach((t, i) => t instanceof tf.Tensor && res.push([`${k}.${i}`, t]));
  }
  return res;
}


for (const name of [...ENGINE_CASES, ...REAL_VOCAB]) {
  const absent = REAL_VOCAB.includes(name) && !fs.existsSync(dirOf(name)) ? `${dirOf(name)} is not on this machine` : false;
  test(`model.forward with engine 'onnx' equals the tfjs forward and HF 4.31 within 1e-4: ${name} (hidden_states, attentions)`, { skip: skip || absent }, async () => {
    const c = loadCase(dirOf(name));
    const model = await load(name);
    const inputs = { ...inputsOf(c, "in."), output_hidden_states: true, output_attentions: true, use_cache: c.meta.model_class === "BertLMHeadModel" ? false : undefined };
    model.engine = "onnx";
    const onnx = model.forward(inputs) as Out;
    assert.equal(model.last_engine, "onnx");
    assert.equal(onnx.engine, "onnx", "the output record says which engine ran (non-enumerable)");
    assert.ok(!Object.keys(onnx).includes("engine"));
    model.engine = "tfjs";
    const ref = model.forward(inputs) as Out;
    assert.equal(model.last_engine, "tfjs");
    assert.equal(ref.engine, "tfjs");
    assert.deepEqual(Object.keys(onnx), Object.keys(ref), "same record layout as the tfjs forward");
    const got = leaves(onnx);
    const want = leaves(ref);
    assert.deepEqual(got.map(([k]) => k), want.map(([k]) => k));
    const L = model.config.num_hidden_layers;
    assert.ok(got.length >= 2 * L + 2, `${name}: only ${got.length} outputs`);
    let golden = 0;
    for (let i = 0; i < got.length; i++) {
      const d = maxDiff(got[i][1], want[i][1]);
      assert.ok(d <= 1e-4, `${name}.${got[i][0]}: onnx vs tfjs max |diff| ${d}`);
      if (c.io.has(`out.${got[i][0]}`)) {
        assertClose(got[i][1], c, `out.${got[i][0]}`);
        golden++;
      }
    }
    const recorded = [...c.io.keys()].filter((k) => k.startsWith("out.") && k !== "out.loss");
    assert.equal(golden, recorded.length, `${name}: every recorded HF output is compared (${recorded.join(", ")})`);
    dispose_output(onnx);
    dispose_output(ref);
    tf.dispose(Object.values(inputs).filter((v) => v instanceof tf.Tensor) as tf.Tensor[]);
    model.dispose();
  });
}

test("auto runs ONNX for eval-mode inference and tfjs in train mode, with labels, caches and gradients", { skip }, async () => {
  const c = loadCase("seq_cls_2");
  const model = await load("seq_cls_2");
  const input_ids = golden(c, "in.input_ids");
  const attention_mask = golden(c, "in.attention_mask");
  assert.equal(model.engine, "auto", "the process default");
  const run = (inputs: object): string => {
    dispose_output(model.forward({ input_ids, attention_mask, ...inputs }));
    return model.last_engine!;
  };
  assert.equal(run({}), "onnx");
  assert.equal(run({ labels: [1, 0] }), "tfjs", "labels ask for a loss");
  const withLoss = model.forward({ input_ids, attention_mask, labels: [1, 0] }) as Out;
  assert.ok(withLoss.loss instanceof tf.Tensor);
  dispose_output(withLoss);
  model.train();
  assert.equal(run({}), "tfjs", "train mode (dropout)");
  assert.match(String(model.last_engine_reason), /training mode/);
  model.eval();
  // weights that keep changing between eval calls (a training loop) stay on tfjs; once they hold
  // still for one call, auto recompiles and the ONNX numbers follow the new weights
  const bias = model.get_parameter("classifier.bias");
  const logits = (): Float32Array => {
    const out = model.forward({ input_ids, attention_mask }) as Out;
    const v = (out.logits as tf.Tensor).dataSync() as Float32Array;
    dispose_output(out);
    return v;
  };
  const before = logits();
  assert.equal(model.last_engine, "onnx");
  assert.equal(model.last_engine_reason, null);
  for (let step = 1; step <= 2; step++) {
    tf.tidy(() => bias.assign(tf.add(bias, 0.25)));
    const v = logits();
    assert.equal(model.last_engine, "tfjs", `step ${step}`);
    assert.match(String(model.last_engine_reason), /weights changed since the ONNX session was built and again since the previous call/);
    assert.ok(Math.abs(v[0] - before[0] - 0.25 * step) < 1e-5, `step ${step}: the new bias shows (${before[0]} → ${v[0]})`);
  }
  const settled = logits();
  assert.equal(model.last_engine, "onnx", "weights unchanged since the previous call: recompiled");
  assert.ok(Math.abs(settled[0] - before[0] - 0.5) < 1e-5);
  // a gradient through the forward: tfjs records it, ONNX could not
  const w = model.get_parameter("classifier.weight");
  const { grads } = tf.variableGrads(() => ((model.forward({ input_ids, attention_mask }) as Out).logits as tf.Tensor).sum() as tf.Scalar, [w]);
  assert.equal(model.last_engine, "tfjs");
  assert.ok(tf.tidy(() => grads[w.name].abs().sum().dataSync()[0]) > 0, "the gradient flows");
  tf.dispose(Object.values(grads));
  // a decoder with its cache on returns past_key_values: tfjs; with use_cache false: ONNX
  const lm = await load("lm_head_causal");
  const ids = golden(loadCase("lm_head_causal"), "in.input_ids");
  const cached = lm.forward({ input_ids: ids }) as Out;
  assert.equal(lm.last_engine, "tfjs");
  assert.ok(Array.isArray(cached.past_key_values));
  dispose_output(cached);
  dispose_output(lm.forward({ input_ids: ids, use_cache: false }));
  assert.equal(lm.last_engine, "onnx");
  // engine "onnx" refuses what it cannot run, naming the reason
  model.engine = "onnx";
  assert.throws(() => model.forward({ input_ids, labels: [1, 0] }), /BertForSequenceClassification\.forward: engine 'onnx' cannot run this call: 'labels' asks for a loss/);
  model.train();
  assert.throws(() => model.forward({ input_ids }), /engine 'onnx' cannot run this call: the model is in training mode/);
  model.eval();
  // bad ids are refused before any engine (src/engines/input_checks.ts), the same error on every engine
  assert.throws(() => model.forward({ input_ids: [[1, 5000]] }), /input_ids\[0\]\[1\] = 5000 is out of range for a token id \(expected an integer in \[0, 1000\): config\.vocab_size is 1000\)$/);
  lm.engine = "onnx";
  assert.throws(() => lm.forward({ input_ids: ids }), /past_key_values.*pass use_cache: false/);
  // auto refuses them the same way, never falling back to tfjs past the check; shape mismatches go to tfjs
  model.engine = "auto";
  assert.throws(() => model.forward({ input_ids: [[1, 5000]] }), /input_ids\[0\]\[1\] = 5000 is out of range for a token id/);
  assert.throws(() => model.forward({ input_ids: [[1, 2]], attention_mask: [[1, 1, 1]] }), /attention_mask has shape \[1,3\]; expected \[1,2\]/);
  assert.throws(() => { model.engine = "gpu" as never; }, /BertForSequenceClassification\.engine="gpu" is not an engine bertlab knows; expected one of: auto, tfjs, onnx/);
  // with_engine pins one engine for the calls inside it (nested calls restore the outer one, errors too)
  with_engine(model, "tfjs", () => {
    assert.equal(run({}), "tfjs");
    with_engine(model, "onnx", () => assert.equal(run({}), "onnx"));
    assert.throws(() => with_engine(model, "onnx", () => model.forward({ input_ids, labels: [1, 0] })), /engine 'onnx' cannot run this call/);
    assert.equal(engine_setting(model), "tfjs");
  });
  assert.equal(engine_setting(model), "auto");
  assert.equal(run({}), "onnx");
  tf.dispose([input_ids, attention_mask, ids]);
  model.dispose();
  lm.dispose();
});

test("the process default: BERTLAB_ENGINE, set_default_engine, a model's own setting wins; engine_info", { skip }, async () => {
  const model = await load("bert_model");
  const ids = [[101, 5, 6, 7, 102]];
  const saved = process.env.BERTLAB_ENGINE;
  try {
    process.env.BERTLAB_ENGINE = "tfjs";
    assert.equal(model.engine, "tfjs");
    dispose_output(model.forward({ input_ids: ids }));
    assert.equal(model.last_engine, "tfjs");
    assert.equal(engine_info().default_from, "BERTLAB_ENGINE");
    model.engine = "onnx";
    dispose_output(model.forward({ input_ids: ids }));
    assert.equal(model.last_engine, "onnx", "the model's setting wins over the environment");
    model.engine = null;
    process.env.BERTLAB_ENGINE = "cuda";
    assert.throws(() => model.forward({ input_ids: ids }), /BERTLAB_ENGINE="cuda" is not an engine bertlab knows; expected one of: auto, tfjs, onnx/);
    set_default_engine("onnx");
    assert.equal(model.engine, "onnx");
    assert.equal(engine_info().default_from, "set_default_engine");
  } finally {
    set_default_engine(null);
    if (saved === undefined) delete process.env.BERTLAB_ENGINE;
    else process.env.BERTLAB_ENGINE = saved;
  }
  const info = engine_info();
  assert.equal(info.onnxruntime_node, true);
  assert.match(String(info.onnxruntime_version), /^\d+\.\d+\.\d+/);
  assert.equal(info.reason, null);
  assert.equal(info.auto_runs, "onnx");
  assert.equal(info.default_engine, "auto");
  assert.equal(info.worker.started, true);
  assert.ok(info.worker.models >= 1);
  model.dispose();
});

test("weight changes (Variable.assign, load_state_dict) reach the ONNX sessions", { skip }, async () => {
  const c = loadCase("seq_cls_2");
  const model = await load("seq_cls_2");
  model.engine = "onnx";
  const input_ids = golden(c, "in.input_ids");
  const logits = (): Float32Array => {
    const out = model.forward({ input_ids }) as Out;
    const v = (out.logits as tf.Tensor).dataSync() as Float32Array;
    dispose_output(out);
    return v;
  };
  const tfjs = (): Float32Array => {
    model.engine = "tfjs";
    const v = logits();
    model.engine = "onnx";
    return v;
  };
  const close = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  const first = logits();
  const w = model.get_parameter("classifier.bias");
  tf.tidy(() => w.assign(tf.add(w, tf.tensor1d([1, -1]))));
  const second = logits();
  assert.ok(Math.abs(second[0] - first[0] - 1) < 1e-5 && Math.abs(second[1] - first[1] + 1) < 1e-5, `bias +1/-1 shows: ${first} → ${second}`);
  assert.ok(close(second, tfjs()) < 1e-4);
  // load_state_dict with the checkpoint's values brings the first numbers back
  const state = readSafetensors(path.join(caseDir("seq_cls_2"), "model.safetensors")).tensors;
  model.load_state_dict(new Map([["classifier.bias", { shape: state.get("classifier.bias")!.shape, data: state.get("classifier.bias")!.data as Float32Array }]]), { strict: false });
  assert.ok(close(logits(), first) < 1e-6);
  // an encoder weight too
  const d = model.get_parameter("bert.encoder.layer.1.intermediate.dense.weight");
  tf.tidy(() => d.assign(tf.mul(d, 5)));
  const third = logits();
  assert.ok(close(third, first) > 5e-4, `the intermediate weight change moves the logits: ${first} → ${third}`);
  assert.ok(close(third, tfjs()) < 1e-4);
  input_ids.dispose();
  model.dispose();
});

test("errors in the graph builder and in the worker come back as errors naming the cause; a stopped worker is replaced", { skip }, async () => {
  const model = await load("bert_model");
  model.engine = "onnx";
  (model.config as { num_attention_heads: number }).num_attention_heads = 5; // the graph builder (main thread) rejects it
  assert.throws(() => model.forward({ input_ids: [[1, 2, 3]] }), /ONNX engine: config\.hidden_size=32 is not a multiple of num_attention_heads=5/);
  model.dispose();
  // the bridge on its own: a missing weight, a graph the worker cannot open, a shared buffer that must grow
  const bridge = new SyncOnnxBridge({ initial_bytes: 64, shrink_above_bytes: 1024 });
  const c = loadCase("masked_lm");
  const weights = readSafetensors(path.join(c.dir, "model.safetensors")).tensors;
  const config = require(path.join(c.dir, "config.json"));
  const without = (drop: string) => new Map([...weights].filter(([k]) => k !== drop));
  const none = { output_hidden_states: false, output_attentions: false };
  const hidden = { output_hidden_states: true, output_attentions: false };
  assert.throws(() => write_graph(config, without("bert.embeddings.word_embeddings.weight"), "BertForMaskedLM", none), /BertForMaskedLM: missing weight 'bert\.embeddings\.word_embeddings\.weight'/);
  const gone = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-sync-test-"));
  bridge.load(1, none, { config, architecture: "BertForMaskedLM", graph: { dir: gone, file: path.join(gone, "missing.onnx"), outputs: ["logits"] } });
  const g = (k: string) => ({ data: Int32Array.from(c.io.get(`in.${k}`)!.data), dims: c.io.get(`in.${k}`)!.shape });
  const ids = () => ({ input_ids: g("input_ids"), attention_mask: g("attention_mask"), token_type_ids: g("token_type_ids") });
  const [B, S] = c.io.get("in.input_ids")!.shape;
  assert.throws(() => bridge.run(1, ids(), none), /ONNX engine \(worker\): .*missing\.onnx.*File doesn't exist/);
  assert.ok(!fs.existsSync(gone), "the worker removed the graph's folder");
  const written = write_graph(config, weights, "BertForMaskedLM", hidden);
  bridge.load(1, hidden, { config, architecture: "BertForMaskedLM", graph: written });
  const out = bridge.run(1, ids(), hidden);
  assert.ok(bridge.buffer_bytes >= 4 * B * S * (1000 + 3 * 32), `the buffer grew to ${bridge.buffer_bytes} bytes`);
  assert.deepEqual(Object.keys(out), ["logits", "hidden_states.0", "hidden_states.1", "hidden_states.2"]);
  for (const [name, o] of Object.entries(out)) {
    const d = tf.tidy(() => maxDiff(tf.tensor(o.data, o.dims), tf.tensor(c.io.get(`out.${name}`)!.data, c.io.get(`out.${name}`)!.shape)));
    assert.ok(d < 1e-4, `bridge ${name} vs HF: ${d}`);
  }
  const second = bridge.run(1, ids(), hidden);
  assert.deepEqual(second.logits.data, out.logits.data, "a second run gives the same values (the grown buffer is reused)");
  // a small call after a big one: the buffer shrinks back (shrink_above_bytes 1 KiB here), values stay right
  const grown = bridge.buffer_bytes;
  const small = () => ({ input_ids: { data: Int32Array.from([101, 5]), dims: [1, 2] } });
  const a = bridge.run(1, small(), hidden);
  assert.ok(bridge.buffer_bytes < grown / 4, `shrunk from ${grown} to ${bridge.buffer_bytes} bytes`);
  const b = bridge.run(1, small(), hidden);
  assert.deepEqual(b.logits.data, a.logits.data);
  assert.deepEqual(bridge.run(1, ids(), hidden).logits.data, out.logits.data, "and grows again");
  assert.throws(() => bridge.run(1, ids(), { output_hidden_states: false, output_attentions: true }), /model #1 has no session for flags 01 in the worker; call load\(\) first/);
  assert.throws(() => bridge.run(2, ids(), none), /model #2 has no session for flags 00/);
  bridge.terminate();
  assert.throws(() => bridge.run(1, ids(), { output_hidden_states: false, output_attentions: false }), /the ONNX worker was terminated/);
  // the process-wide bridge: after it stops, the next forward starts a new worker and reloads
  const m2 = await load("seq_cls_2");
  dispose_output(m2.forward({ input_ids: [[101, 7, 102]] }));
  assert.equal(m2.last_engine, "onnx");
  const before = sync_bridge();
  before.terminate();
  const again = m2.forward({ input_ids: [[101, 7, 102]] }) as Out;
  assert.equal(m2.last_engine, "onnx");
  assert.notEqual(sync_bridge(), before);
  dispose_output(again);
  m2.dispose();
});

test("no tensor leak over 100 ONNX forwards; dispose() releases the model's sessions", { skip }, async () => {
  const model = await load("question_answering");
  const ids = tf.tensor2d([[101, 11, 12, 13, 102, 21, 22, 102]], [1, 8], "int32");
  dispose_output(model.forward({ input_ids: ids, output_attentions: true }));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) dispose_output(model.forward({ input_ids: ids, output_attentions: i % 2 === 0 }));
  assert.equal(model.last_engine, "onnx");
  assert.equal(tf.memory().numTensors, before, "no tfjs tensors leak");
  assert.equal(has_sync_engine(model), true);
  const held = engine_info().worker.models;
  model.dispose();
  assert.equal(has_sync_engine(model), false);
  assert.equal(engine_info().worker.models, held - 1);
  ids.dispose();
});

test("one unbatched sequence and nested arrays run on ONNX as on tfjs", { skip }, async () => {
  const model = await load("token_cls_conll");
  const row = [101, 17, 18, 19, 102];
  const one = model.forward({ input_ids: row, token_type_ids: [0, 0, 0, 0, 0] }) as Out;
  assert.equal(model.last_engine, "onnx");
  model.engine = "tfjs";
  const ref = model.forward({ input_ids: [row] }) as Out;
  assert.ok(maxDiff(one.logits as tf.Tensor, ref.logits as tf.Tensor) < 1e-4);
  [one, ref].forEach(dispose_output);
  model.dispose();
});

test("BertModel without pooler, and output flags from the config, on ONNX as on tfjs", { skip }, async () => {
  await ready();
  const { BertConfig } = await import("../src");
  const config = new BertConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 20, output_hidden_states: true });
  const model = new BertModel(config, false).eval();
  const ids = [[1, 5, 9, 2], [1, 7, 2, 0]];
  const attention_mask = [[1, 1, 1, 1], [1, 1, 1, 0]];
  const onnx = model.forward({ input_ids: ids, attention_mask }) as Out;
  assert.equal(model.last_engine, "onnx");
  const ref = with_engine(model, "tfjs", () => model.forward({ input_ids: ids, attention_mask })) as Out;
  assert.deepEqual(Object.keys(onnx), ["last_hidden_state", "hidden_states"]);
  assert.deepEqual(Object.keys(ref), Object.keys(onnx));
  for (const [[k, a], [, b]] of leaves(onnx).map((x, i) => [x, leaves(ref)[i]])) assert.ok(maxDiff(a, b) < 1e-4, k);
  [onnx, ref].forEach(dispose_output);
  model.dispose();
});

test("without onnxruntime-node: auto runs tfjs, engine 'onnx' names the reason, engine_info says why", () => {
  const code = `
    const Module = require("module");
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (request === "onnxruntime-node") throw new Error("Cannot find module 'onnxruntime-node'");
      return load.call(this, request, ...rest);
    };
    const { ready, BertForSequenceClassification, engine_info } = require(${JSON.stringify(path.join(__dirname, "..", "src"))});
    (async () => {
      await ready();
      const m = await BertForSequenceClassification.from_pretrained(${JSON.stringify(caseDir("seq_cls_2"))}, { quiet: true });
      m({ input_ids: [[101, 7, 8, 102]] });
      const auto = m.last_engine;
      m.engine = "onnx";
      let error = "";
      try { m({ input_ids: [[101, 7, 8, 102]] }); } catch (e) { error = e.message; }
      console.log(JSON.stringify({ auto, error, info: engine_info() }));
    })();`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(res.auto, "tfjs");
  assert.match(res.error, /engine 'onnx' cannot run this call: the ONNX engine needs the optional package onnxruntime-node, which could not be loaded \(Cannot find module 'onnxruntime-node'\)/);
  assert.equal(res.info.onnxruntime_node, false);
  assert.equal(res.info.auto_runs, "tfjs");
  assert.match(res.info.reason, /ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node/);
  assert.equal(res.info.worker.started, false, "no worker was started");
});

test("a process that ran an ONNX forward exits by itself (the worker is unref'd)", { skip }, () => {
  const code = `
    const { ready, BertForSequenceClassification } = require(${JSON.stringify(path.join(__dirname, "..", "src"))});
    (async () => {
      await ready();
      const m = await BertForSequenceClassification.from_pretrained(${JSON.stringify(caseDir("seq_cls_2"))}, { quiet: true });
      const out = m({ input_ids: [[101, 7, 8, 102]] });
      console.log(JSON.stringify({ engine: m.last_engine, logits: Array.from(out.logits.dataSync()) }));
    })();`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", timeout: 60_000, env: { ...process.env, BERTLAB_ENGINE: "auto" } });
  assert.equal(r.error, undefined, `the child did not exit by itself: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(res.engine, "onnx");
  assert.equal(res.logits.length, 2);
});
