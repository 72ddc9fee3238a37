import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  readSafetensors, write_sharded_safetensors, read_shard_index, shard_files, get_checkpoint_shard_files, read_sharded_checkpoint,
} from "../src/hub";
import { parse_shard_size } from "../src/hub/shards";
import { BertModel, tf } from "../src";
import { startFakeHub } from "./fixtures/hub/fake_hub";

const FIX = path.join(__dirname, "fixtures", "hub", "bert_model");
const temps: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-shards-"));
  temps.push(d);
  return d;
};
after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const original = readSafetensors(path.join(FIX, "model.safetensors")).tensors;

test("write_sharded_safetensors splits at max_shard_size and writes the HF index; reading merges it back exactly", async () => {
  const dir = tempDir();
  const written = write_sharded_safetensors(dir, original, 60_000);
  // 39 tensors, 48,810 floats = 195,240 bytes, greedily in key order (as HF's shard_checkpoint): the four
  // small embedding tensors (8,704 bytes), then the 128,000-byte word embeddings alone, then the rest (58,536)
  assert.deepEqual(written, ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"]);
  const index = read_shard_index(path.join(dir, "model.safetensors.index.json"));
  assert.equal(index.metadata.total_size, 195_240);
  assert.equal(Object.keys(index.weight_map).length, 39);
  assert.equal(index.weight_map["embeddings.word_embeddings.weight"], "model-00002-of-00003.safetensors");
  assert.equal(index.weight_map["embeddings.position_embeddings.weight"], "model-00001-of-00003.safetensors");
  assert.equal(index.weight_map["pooler.dense.weight"], "model-00003-of-00003.safetensors");
  assert.deepEqual(shard_files(index).sort(), written.slice(0, 3));
  const dataBytes = (f: string) => [...readSafetensors(path.join(dir, f)).tensors.values()].reduce((a, t) => a + t.data.length * 4, 0);
  assert.deepEqual(written.slice(0, 3).map(dataBytes), [8_704, 128_000, 58_536]);
  const { files } = await get_checkpoint_shard_files(dir, "model.safetensors.index.json");
  const merged = read_sharded_checkpoint(index, files);
  assert.equal(merged.size, original.size);
  for (const [k, v] of original) assert.deepEqual(merged.get(k)!.data, v.data, k);
});

test("a checkpoint that fits in one shard is written as model.safetensors", () => {
  const dir = tempDir();
  assert.deepEqual(write_sharded_safetensors(dir, original), ["model.safetensors"]);
  assert.deepEqual(fs.readFileSync(path.join(dir, "model.safetensors")).length, fs.readFileSync(path.join(FIX, "model.safetensors")).length);
  assert.throws(() => write_sharded_safetensors(dir, original, 0), /max_shard_size must be a positive number of bytes or a size like "5GB", got 0/);
  assert.throws(() => write_sharded_safetensors(dir, original, "5 parsecs"), /got "5 parsecs"/);
});

test("max_shard_size as transformers writes it: bytes, KB / MB / GB (decimal) and KiB / MiB / GiB (binary)", () => {
  assert.deepEqual(["5GB", "200MB", "1GiB", "64KiB", "1.5KB", 1234].map(parse_shard_size), [5e9, 2e8, 2 ** 30, 65536, 1500, 1234]);
});

test("re-sharding a folder is one commit: the old weight files go, nothing temporary stays, the result reads back exactly", () => {
  const dir = tempDir();
  write_sharded_safetensors(dir, original);
  fs.writeFileSync(path.join(dir, "README.md"), "mine\n");
  const written = write_sharded_safetensors(dir, original, 100_000);
  assert.deepEqual(fs.readdirSync(dir).sort(), [...written, "README.md"].sort(), "model.safetensors of the first save is gone; other files stay; no temp or lock files");
  write_sharded_safetensors(dir, original);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["README.md", "model.safetensors"]);
  assert.deepEqual(readSafetensors(path.join(dir, "model.safetensors")).tensors.get("pooler.dense.weight")!.data, original.get("pooler.dense.weight")!.data);
});

test("save_pretrained({ max_shard_size }) writes shards + index that from_pretrained loads to the same outputs", async () => {
  const dir = tempDir();
  const model = await BertModel.from_pretrained(FIX);
  model.save_pretrained(dir, { max_shard_size: "100KB" });
  // state-dict order (embeddings first: the 128,000-byte word embeddings alone pass 100 KB), then the rest
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"]);
  const index = read_shard_index(path.join(dir, "model.safetensors.index.json"));
  for (const f of shard_files(index)) {
    const t = [...readSafetensors(path.join(dir, f)).tensors.values()];
    const bytes = t.reduce((a, x) => a + x.data.length * 4, 0);
    assert.ok(bytes <= 100_000 || t.length === 1, `${f}: ${bytes} bytes in ${t.length} tensors`);
  }
  const again = await BertModel.from_pretrained(dir);
  const ids = tf.tensor2d([[101, 592, 102]], [1, 3], "int32");
  const [a, b] = [model, again].map((m) => m({ input_ids: ids }).last_hidden_state as tf.Tensor);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  model.save_pretrained(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.safetensors"], "an unsharded save deletes the shards and the index in the same commit");
  tf.dispose([ids, a, b]);
  model.dispose();
  again.dispose();
});

test("shards resolve through the hub and the cache like any other file", async () => {
  const src = tempDir();
  write_sharded_safetensors(src, original, 100_000);
  const files = Object.fromEntries(fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f))]));
  const commit = "c".repeat(40);
  const hub = await startFakeHub({ "org/sharded": { refs: { main: commit }, commits: { [commit]: files } } });
  const env = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
  try {
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = tempDir();
    const { index, files: paths } = await get_checkpoint_shard_files("org/sharded", "model.safetensors.index.json");
    assert.equal(paths.length, 3);
    for (const p of paths) assert.match(p, new RegExp(`models--org--sharded/snapshots/${commit}/model-0000[123]-of-00003\\.safetensors$`));
    const merged = read_sharded_checkpoint(index, paths);
    for (const [k, v] of original) assert.deepEqual(merged.get(k)!.data, v.data, k);
  } finally {
    await hub.close();
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});

test("bad indexes and missing parameters are named", () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "a.json"), JSON.stringify({ weight_map: { w: "../evil.safetensors" } }));
  assert.throws(() => read_shard_index(path.join(dir, "a.json")), /a\.json: expected \{ "weight_map"/);
  fs.writeFileSync(path.join(dir, "b.json"), "{nope");
  assert.throws(() => read_shard_index(path.join(dir, "b.json")), /b\.json: not a readable JSON shard index/);
  const index = { metadata: {}, weight_map: { "embeddings.word_embeddings.weight": "model.safetensors", "not.there": "model.safetensors" } };
  assert.throws(() => read_sharded_checkpoint(index, [path.join(FIX, "model.safetensors")]), /1 parameters listed in the index are in no shard \(first: not\.there\)/);
});
