// The streaming loader (issue 13, item 3): from_pretrained reads safetensors and pytorch_model.bin tensor
// by tensor straight into the model's variables (on wasm, into the heap), never holding the file, a
// decoded copy and the model at once — the values are exactly the file's, and the loader's peak memory
// stays near the weight bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ready, tf } from "../src/backend";
import { readSafetensors, readTorchBin, writeSafetensors } from "../src/hub";
import { BertModel } from "../src/models";
import { filled_tensor } from "../src/ops";
import { BERT_BASE, randomBertWeights } from "../bench/random_bert";

const FIX = path.join(__dirname, "fixtures", "hub", "bert_model");

for (const file of ["model.safetensors", "pytorch_model.bin"]) {
  test(`from_pretrained fills every variable with exactly the values of ${file}`, async () => {
    await ready();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-stream-"));
    fs.copyFileSync(path.join(FIX, "config.json"), path.join(dir, "config.json"));
    fs.copyFileSync(path.join(FIX, file), path.join(dir, file));
    const want = file.endsWith(".bin") ? readTorchBin(path.join(FIX, file)) : readSafetensors(path.join(FIX, file)).tensors;
    const before = tf.memory().numTensors;
    const model = await BertModel.from_pretrained(dir, { quiet: true });
    let checked = 0;
    for (const [name, v] of model.state_dict()) {
      const w = want.get(name);
      if (!w) continue;
      assert.deepEqual(v.shape, w.shape, name);
      assert.deepEqual(Buffer.from((v.dataSync() as Float32Array).buffer), Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength), name);
      checked++;
    }
    assert.equal(checked, want.size);
    model.dispose();
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test("filled_tensor: the callback writes the tensor's own memory; a throwing callback leaks nothing", async () => {
  await ready();
  const before = tf.memory().numTensors;
  const t = filled_tensor([2, 3], (d) => d.set([1, 2, 3, 4, 5, 6]));
  assert.deepEqual([...t.dataSync()], [1, 2, 3, 4, 5, 6]);
  t.dispose();
  assert.throws(() => filled_tensor([4], () => { throw new Error("read failed"); }), /read failed/);
  const empty = filled_tensor([0, 3], () => {});
  assert.deepEqual(empty.shape, [0, 3]);
  empty.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("loading a 120 MB checkpoint peaks at most 1.3× its weight bytes above the process's baseline", async (t) => {
  const info = await ready();
  if (info.name !== "wasm") return t.skip(`measured on the wasm backend (this run uses ${info.name})`);
  const config = { ...BERT_BASE, hidden_size: 512, num_hidden_layers: 4, num_attention_heads: 8, intermediate_size: 2048 };
  const weights = randomBertWeights(config);
  let bytes = 0;
  for (const w of weights.values()) bytes += w.data.byteLength;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-stream-rss-"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ model_type: "bert", ...config }));
  writeSafetensors(path.join(dir, "model.safetensors"), weights);
  weights.clear();
  // A fresh process: VmHWM (the kernel's peak-RSS counter) before and after from_pretrained.
  const code = `
    const { ready } = require("./src/backend");
    const { BertModel } = require("./src/models");
    const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
    (async () => {
      await ready();
      require("./src/hub").readSafetensors; // load every module the loader uses before the baseline
      const base = hwm();
      const model = await BertModel.from_pretrained(${JSON.stringify(dir)}, { quiet: true });
      console.log(JSON.stringify({ base, peak: hwm(), variables: model.state_dict().size }));
    })();
  `;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: path.join(__dirname, ".."), encoding: "utf8", timeout: 120_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr.slice(-500));
  const { base, peak } = JSON.parse(r.stdout.trim().split("\n").pop()!);
  const mb = bytes / 2 ** 20;
  t.diagnostic(`weights ${mb.toFixed(0)} MB; peak RSS ${base.toFixed(0)} → ${peak.toFixed(0)} MB (+${((peak - base) / mb).toFixed(2)}× the weights)`);
  assert.ok(peak - base <= 1.3 * mb, `the load added ${(peak - base).toFixed(0)} MB for ${mb.toFixed(0)} MB of weights`);
});
