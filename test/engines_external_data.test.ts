// The ONNX engine's initializers in an external-data file (src/engines/onnx/external_data.ts): the graph
// refers to page-aligned ranges of one file, lazy weights (a checkpoint reader's tensors) are read one at
// a time, and the outputs equal the in-memory model's and HF's goldens.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { onnx } from "onnx-proto";
import { buildBertGraph, OnnxBertEngine, onnx_available, write_graph } from "../src/engines";
import { ExternalData } from "../src/engines/onnx/external_data";
import { open_safetensors } from "../src/hub/safetensors";
import { load_engine_case as load } from "./fixtures/models/engine_cases";

const FIX = path.join(__dirname, "fixtures", "models");
const skip = onnx_available() ? false : "onnxruntime-node is not installed";

test("external data: initializers of 1 KB or more go to the file at 4096-aligned offsets, the rest stay in the model", () => {
  const c = load("masked_lm");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-ext-test-"));
  try {
    const ext = new ExternalData(dir);
    const built = buildBertGraph(c.config, c.weights, "BertForMaskedLM", { output_hidden_states: false, output_attentions: false }, ext);
    ext.close();
    const inline = buildBertGraph(c.config, c.weights, "BertForMaskedLM", { output_hidden_states: false, output_attentions: false });
    const model = onnx.ModelProto.decode(built.bytes);
    const size = fs.statSync(ext.file).size;
    assert.equal(size, ext.size);
    let external = 0;
    let externalBytes = 0;
    for (const t of model.graph!.initializer!) {
      if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
        const kv = Object.fromEntries(t.externalData!.map((e) => [e.key, e.value]));
        assert.equal(kv.location, "model.onnx.data", t.name!);
        const offset = Number(kv.offset);
        const length = Number(kv.length);
        assert.equal(offset % 4096, 0, `${t.name}: offset ${offset} not page-aligned`);
        assert.ok(length >= 1024 && offset + length <= size, `${t.name}: [${offset}, +${length}) in a ${size}-byte file`);
        assert.equal(t.rawData!.length, 0);
        external++;
        externalBytes += length;
      } else {
        assert.ok(t.rawData!.length < 1024, `${t.name}: ${t.rawData!.length} bytes left inside the model`);
      }
    }
    assert.ok(external >= 10, `only ${external} external initializers`);
    // the in-memory model carries the same bytes inside it (the external one adds ~40 bytes of references each)
    const moved = inline.bytes.length - built.bytes.length;
    assert.ok(moved <= externalBytes && moved >= externalBytes - 64 * external, `${inline.bytes.length} vs ${built.bytes.length} + ${externalBytes}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

for (const name of ["bert_model", "masked_lm", "question_answering"]) {
  test(`external data over lazy weights equals the in-memory model and HF 4.31: ${name}`, { skip }, async () => {
    const c = load(name);
    const arch = c.config.architectures[0];
    const reader = open_safetensors(path.join(FIX, name, "model.safetensors"));
    let streamed: OnnxBertEngine;
    try {
      streamed = await OnnxBertEngine.create({ config: c.config, weights: reader.tensors, architecture: arch, keep_weights: false, sessions: [{}, { output_hidden_states: true, output_attentions: true }] });
    } finally {
      reader.close();
    }
    const inmem = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: arch, external_data: false });
    const t = (k: string) => c.io.get(`in.${k}`);
    const asIds = (x: ReturnType<typeof t>) => (x ? { data: x.data, dims: x.shape } : undefined);
    const inputs = { input_ids: asIds(t("input_ids"))!, attention_mask: asIds(t("attention_mask")), token_type_ids: asIds(t("token_type_ids")) };
    for (const flags of [{}, { output_hidden_states: true, output_attentions: true }]) {
      const a = await streamed.run(inputs, flags);
      const b = await inmem.run(inputs, flags);
      assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
      for (const k of Object.keys(b)) {
        const x = [a[k]].flat();
        const y = [b[k]].flat();
        assert.equal(x.length, y.length, k);
        y.forEach((t, i) => {
          assert.deepEqual(x[i]!.dims, t!.dims, `${k}[${i}] dims`);
          assert.deepEqual(x[i]!.data, t!.data, `${name}.${k}[${i}]: streamed and in-memory sessions differ`);
        });
      }
      // and HF's numbers (the first head output)
      const field = Object.keys(b).find((k) => c.io.has(`out.${k}`))!;
      const want = c.io.get(`out.${field}`)!;
      const got = a[field] as { data: Float32Array };
      let m = 0;
      for (let i = 0; i < want.data.length; i++) m = Math.max(m, Math.abs(got.data[i] - want.data[i]));
      assert.ok(m <= 1e-4, `${name}.${field}: max |diff| ${m}`);
    }
    await assert.rejects(streamed.run(inputs, { output_hidden_states: true }), /no session was built for output_hidden_states=true, output_attentions=false/);
    await streamed.dispose();
    await inmem.dispose();
  });
}

test("write_graph + OnnxBertEngine.create({ graphs }): a session from a folder written beforehand, the folder removed once it is open", { skip }, async () => {
  const c = load("seq_cls_2");
  const arch = c.config.architectures[0];
  const flags = { output_hidden_states: true, output_attentions: false };
  const written = write_graph(c.config, c.weights, arch, flags);
  assert.ok(fs.existsSync(written.file) && fs.existsSync(path.join(written.dir, "model.onnx.data")));
  const engine = await OnnxBertEngine.create({ config: c.config, architecture: arch, graphs: [{ flags, graph: written }] });
  assert.ok(!fs.existsSync(written.dir), "the folder is removed once the session exists");
  const t = (k: string) => c.io.get(`in.${k}`);
  const asIds = (x: ReturnType<typeof t>) => (x ? { data: x.data, dims: x.shape } : undefined);
  const out = await engine.run({ input_ids: asIds(t("input_ids"))!, attention_mask: asIds(t("attention_mask")), token_type_ids: asIds(t("token_type_ids")) }, flags);
  for (const [field, got] of [["logits", out.logits!], ["hidden_states.1", out.hidden_states![1]]] as const) {
    const want = c.io.get(`out.${field}`)!;
    let m = 0;
    for (let i = 0; i < want.data.length; i++) m = Math.max(m, Math.abs(got.data[i] - want.data[i]));
    assert.ok(m <= 1e-4, `${field}: max |diff| ${m}`);
  }
  await assert.rejects(engine.run({ input_ids: asIds(t("input_ids"))! }), /no session was built for output_hidden_states=false, output_attentions=false/);
  await engine.dispose();
  await assert.rejects(OnnxBertEngine.create({ config: c.config, architecture: arch }), /expected `weights` \(named tensors\) or `graphs` \(written by write_graph\)/);
  const bad = write_graph(c.config, c.weights, arch, flags);
  await assert.rejects(OnnxBertEngine.create({ config: c.config, architecture: "GPT2Model", graphs: [{ flags, graph: bad }] }), /architecture 'GPT2Model' is not supported/);
  assert.ok(!fs.existsSync(bad.dir), "a refused create removes the folders it was given");
});
