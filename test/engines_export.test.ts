// model.export_onnx: the written file loads in a standalone onnxruntime-node InferenceSession (no
// bertlab code in the loop) and gives model.forward's outputs on the golden inputs (HF 4.31, within
// 1e-4 of both); the int8 export gives the quantized model.forward's outputs; inputs / outputs carry
// HF's ONNX export names with dynamic batch and sequence axes; the write is atomic; Debian's
// python3-onnx checker accepts the standard-op graphs (skipped when /usr/bin/python3 has no onnx).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { int8_cpu_info, loadOrt, onnx_available } from "../src/engines";
import { BertConfig } from "../src/models";
import { model_class_for_config } from "../src/models/bert/auto";
import type { BertPreTrainedModel } from "../src/models/bert/pretrained";
import { caseDir, inputsOf, loadCase, maxAbsDiff } from "./fixtures/models/golden";

const skip = onnx_available() ? false : "onnxruntime-node is not installed";
const CASES = ["bert_model", "bert_model_relative_key", "masked_lm", "pretraining", "question_answering", "seq_cls_2", "token_cls_conll", "lm_head_causal"];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-export-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

async function loadModel(name: string): Promise<BertPreTrainedModel> {
  await ready();
  const config = await BertConfig.from_pretrained(caseDir(name));
  const cls = model_class_for_config(config);
  return (await (cls as unknown as { from_pretrained(d: string, o: object): Promise<BertPreTrainedModel> }).from_pretrained(caseDir(name), { quiet: true, use_cache: false })) as BertPreTrainedModel;
}

/** Runs the file in a plain ORT session with the golden's int64 inputs. */
async function runFile(file: string, ins: Record<string, tf.Tensor>): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(file);
  const ids = ins.input_ids;
  const feed = (t: tf.Tensor | undefined, fill: number) => new ort.Tensor("int64", BigInt64Array.from(t ? (t.dataSync() as Int32Array) : new Int32Array(ids.size).fill(fill), (v) => BigInt(v)), ids.shape);
  assert.deepEqual(session.inputNames, ["input_ids", "attention_mask", "token_type_ids"]);
  const r = await session.run({ input_ids: feed(ids, 0), attention_mask: feed(ins.attention_mask, 1), token_type_ids: feed(ins.token_type_ids, 0) });
  const out: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const [k, v] of Object.entries(r)) out[k] = { data: v.data as Float32Array, dims: v.dims.map(Number) };
  await session.release();
  return out;
}

const HEAD_OUTPUTS = ["last_hidden_state", "pooler_output", "logits", "prediction_logits", "seq_relationship_logits", "start_logits", "end_logits"];

for (const name of CASES) {
  test(`export_onnx (fp32, standard ops) runs in a plain ORT session with model.forward's outputs: ${name}`, { skip }, async () => {
    const c = loadCase(name);
    const model = await loadModel(name);
    const file = path.join(tmp, name, "model.onnx");
    const info = model.export_onnx(file);
    assert.equal(info.opset, 17);
    assert.equal(info.contrib_ops, false);
    assert.equal(info.quantize, null);
    assert.ok(fs.statSync(file).size === info.bytes);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ["model.onnx"], "no temporary file left");
    const ins = inputsOf(c);
    const got = await runFile(file, ins);
    model.engine = "tfjs";
    const ref = model(ins as never) as unknown as Record<string, tf.Tensor>;
    let compared = 0;
    for (const k of HEAD_OUTPUTS) {
      if (!ref[k]) continue;
      assert.ok(got[k], `${name}: the file has no output '${k}' (has ${Object.keys(got)})`);
      const want = c.io.get(`out.${k}`)!;
      assert.ok(maxAbsDiff(tf.tensor(got[k].data, got[k].dims), want, k) <= 1e-4, `${k} vs HF golden`);
      assert.ok(maxAbsDiff(tf.tensor(got[k].data, got[k].dims), { dtype: "float32", shape: ref[k].shape, data: ref[k].dataSync() as Float32Array }, k) <= 1e-4, `${k} vs model.forward`);
      compared++;
    }
    assert.ok(compared >= 1, `${name}: compared ${compared} outputs`);
    assert.deepEqual(Object.keys(got).sort(), info.outputs.slice().sort());
    tf.dispose(ref as never);
    tf.dispose(Object.values(ins));
    model.dispose();
  });
}

test("export_onnx({ quantize }) writes the int8 graph model.quantize() runs: same outputs in a plain session", { skip }, async () => {
  const c = loadCase("masked_lm");
  const model = await loadModel("masked_lm");
  const file = path.join(tmp, "int8", "model.onnx");
  const info = model.export_onnx(file, { quantize: { per_channel: true } });
  assert.deepEqual(info.quantize, { dtype: "int8", per_channel: true, scheme: int8_cpu_info().scheme }); // "auto": the scheme of this CPU
  const fp32Bytes = model.export_onnx(path.join(tmp, "int8", "fp32.onnx")).bytes;
  assert.ok(info.bytes < fp32Bytes, `int8 file ${info.bytes} B vs fp32 ${fp32Bytes} B`);
  const ins = inputsOf(c);
  const got = await runFile(file, ins);
  model.engine = "onnx";
  model.quantize();
  const ref = model(ins as never) as unknown as Record<string, tf.Tensor>;
  assert.equal(model.last_engine, "onnx");
  const d = maxAbsDiff(tf.tensor(got.logits.data, got.logits.dims), { dtype: "float32", shape: ref.logits.shape, data: ref.logits.dataSync() as Float32Array }, "logits");
  assert.ok(d <= 1e-5, `int8 file vs quantized model.forward: ${d}`);
  const vsFp32 = maxAbsDiff(tf.tensor(got.logits.data, got.logits.dims), c.io.get("out.logits")!, "logits");
  assert.ok(vsFp32 > 1e-6 && vsFp32 < 0.05, `int8 vs HF fp32 max |diff| ${vsFp32}`);
  tf.dispose(ref as never);
  tf.dispose(Object.values(ins));
  model.dispose();
});

test("export_onnx: a bad path is an error naming it and leaves nothing behind", async () => {
  await ready();
  const model = await loadModel("bert_model");
  const blocker = path.join(tmp, "blocker");
  fs.writeFileSync(blocker, "a file, not a folder");
  assert.throws(() => model.export_onnx(path.join(blocker, "model.onnx")), /blocker/);
  assert.throws(() => model.export_onnx(""), /expected a file path/);
  assert.equal(fs.readFileSync(blocker, "utf8"), "a file, not a folder");
  model.dispose();
});

const PY = "/usr/bin/python3";
const pyOnnx = fs.existsSync(PY) && spawnSync(PY, ["-c", "import onnx"], { encoding: "utf8" }).status === 0;
const CHECK = `
import json, sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
dims = lambda vs: {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in vs}
print(json.dumps({"opset": {o.domain or "ai.onnx": o.version for o in m.opset_import}, "ir": m.ir_version,
  "inputs": dims(m.graph.input), "outputs": dims(m.graph.output), "ops": sorted({(n.domain or "ai.onnx") + ":" + n.op_type for n in m.graph.node})}))
`;

test("python3-onnx's checker (full_check) accepts the fp32 and int8 exports; axes are dynamic", { skip: pyOnnx ? false : `${PY} cannot import onnx: install Debian's python3-onnx to run this check` }, async () => {
  const model = await loadModel("question_answering");
  for (const quantize of [null, { per_channel: true }]) {
    const file = path.join(tmp, "check", `${quantize ? "int8" : "fp32"}.onnx`);
    model.export_onnx(file, { quantize });
    const r = spawnSync(PY, ["-c", CHECK, file], { encoding: "utf8" });
    assert.equal(r.status, 0, `onnx.checker rejected ${file}: ${r.stderr}`);
    const m = JSON.parse(r.stdout);
    assert.equal(m.opset["ai.onnx"], 17);
    assert.deepEqual(m.inputs, { input_ids: ["batch", "sequence"], attention_mask: ["batch", "sequence"], token_type_ids: ["batch", "sequence"] });
    assert.deepEqual(m.outputs, { start_logits: ["batch", "sequence"], end_logits: ["batch", "sequence"] });
    assert.ok(m.ops.every((o: string) => o.startsWith("ai.onnx:")), `only standard ops: ${m.ops}`);
    if (quantize) assert.ok(m.ops.includes("ai.onnx:MatMulInteger") && m.ops.includes("ai.onnx:DynamicQuantizeLinear"), `${m.ops}`);
  }
  model.dispose();
});
