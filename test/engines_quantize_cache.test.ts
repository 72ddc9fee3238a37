// The on-disk cache of quantized graphs (src/engines/onnx/graph_cache.ts), in a fresh folder per test
// (BERTLAB_INT8_CACHE): a second call and a second process open the entry instead of quantizing again
// (int8_cache_stats counts it) with the same outputs; a model.quantize() forward (the sync worker) keeps
// the entry; changed weights, another scheme or other graph flags are other entries; a truncated data
// file or a rewritten model file is ignored and rebuilt; writers racing on one entry leave one complete
// entry and no temp folder; BERTLAB_INT8_CACHE=off writes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { load_engine_case as load } from "./fixtures/models/engine_cases";
import { int8_cache_dir, int8_cache_stats, OnnxBertEngine, onnx_available } from "../src/engines";
import type { TensorData } from "../src/hub/safetensors";
import { ready, tf } from "../src/backend";
import { BertForSequenceClassification, BertModel } from "../src/models";
import { AdamW } from "../src/training";

const skip = onnx_available() ? false : "onnxruntime-node is not installed";
const SRC = path.join(__dirname, "..", "src");
const CASE = path.join(__dirname, "fixtures", "models", "bert_model");
const c = load("bert_model");
const ids = { input_ids: { data: c.io.get("in.input_ids")!.data, dims: c.io.get("in.input_ids")!.shape } };

function freshCache(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-int8-cache-test-"));
  process.env.BERTLAB_INT8_CACHE = dir;
  return dir;
}

function entries(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /^[0-9a-f]{40}$/.test(n));
}

async function pooled(weights: Map<string, TensorData>, scheme: "u8s8" | "reduce_range" = "reduce_range"): Promise<Float32Array> {
  const e = await OnnxBertEngine.create({ config: c.config, weights, architecture: "BertModel", quantize: { scheme }, threads: 1 });
  const out = await e.run(ids);
  await e.dispose();
  return out.pooler_output!.data;
}

type Stats = ReturnType<typeof int8_cache_stats>;
const ENTRY_KEYS = ["hits", "misses", "writes", "rejected"] as const;

/** What the cache did with its entries between two int8_cache_stats(). */
function delta(before: Stats, after: Stats): Record<(typeof ENTRY_KEYS)[number], number> {
  return Object.fromEntries(ENTRY_KEYS.map((k) => [k, after[k] - before[k]])) as Record<(typeof ENTRY_KEYS)[number], number>;
}

/** How the keys were made between two int8_cache_stats(): full weight digests and checkpoint-file identities. */
function keyKinds(before: Stats, after: Stats): { digests: number; file_keys: number } {
  return { digests: after.digests - before.digests, file_keys: after.file_keys - before.file_keys };
}

test("the cache folder: BERTLAB_INT8_CACHE, else $HF_HOME/bertlab/int8, else ~/.cache/bertlab/int8; off turns it off", () => {
  const saved = { c: process.env.BERTLAB_INT8_CACHE, h: process.env.HF_HOME, x: process.env.XDG_CACHE_HOME };
  try {
    process.env.BERTLAB_INT8_CACHE = "/some/where";
    assert.equal(int8_cache_dir(), "/some/where");
    process.env.BERTLAB_INT8_CACHE = "off";
    assert.equal(int8_cache_dir(), null);
    delete process.env.BERTLAB_INT8_CACHE;
    process.env.HF_HOME = "/hf";
    assert.equal(int8_cache_dir(), path.join("/hf", "bertlab", "int8"));
    delete process.env.HF_HOME;
    process.env.XDG_CACHE_HOME = "/xdg";
    assert.equal(int8_cache_dir(), path.join("/xdg", "bertlab", "int8"));
    delete process.env.XDG_CACHE_HOME;
    assert.equal(int8_cache_dir(), path.join(os.homedir(), ".cache", "bertlab", "int8"));
  } finally {
    for (const [k, v] of [["BERTLAB_INT8_CACHE", saved.c], ["HF_HOME", saved.h], ["XDG_CACHE_HOME", saved.x]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test("a second call hits the entry with the same outputs; other weights / scheme are other entries", { skip }, async () => {
  const dir = freshCache();
  try {
    let s0 = int8_cache_stats();
    const first = await pooled(c.weights);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 0 });
    const [entry] = entries(dir);
    assert.deepEqual(fs.readdirSync(path.join(dir, entry)).sort(), ["manifest.json", "model.onnx", "model.onnx.data"]);
    s0 = int8_cache_stats();
    const again = await pooled(c.weights);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 1, misses: 0, writes: 0, rejected: 0 });
    assert.deepEqual(again, first, "the cached graph gives the same outputs");

    // one weight element changed (as after a training step): a new entry, different outputs
    const changed = new Map(c.weights);
    const w = c.weights.get("encoder.layer.1.output.dense.weight")!;
    const data = Float32Array.from(w.data as Float32Array);
    data[17] += 0.25;
    changed.set("encoder.layer.1.output.dense.weight", { ...w, data });
    s0 = int8_cache_stats();
    const other = await pooled(changed);
    assert.equal(delta(s0, int8_cache_stats()).misses, 1);
    assert.notDeepEqual(other, first);
    await pooled(c.weights, "u8s8");
    assert.equal(entries(dir).length, 3, "weights and scheme are part of the key");
    assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp") || n.endsWith(".old")).length, 0, "no temp folders left");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a truncated data file or a rewritten model file is ignored and the entry rebuilt", { skip }, async () => {
  const dir = freshCache();
  try {
    const want = await pooled(c.weights);
    const entry = path.join(dir, entries(dir)[0]);
    const data = path.join(entry, "model.onnx.data");
    fs.truncateSync(data, fs.statSync(data).size - 4096);
    let s0 = int8_cache_stats();
    assert.deepEqual(await pooled(c.weights), want);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 1 });
    assert.equal(entries(dir).length, 1);

    // same size and mtime, other bytes: the model file's SHA-256 catches it
    const model = path.join(entry, "model.onnx");
    const st = fs.statSync(model);
    const bytes = fs.readFileSync(model);
    bytes[bytes.length >> 1] ^= 0xff;
    fs.writeFileSync(model, bytes);
    fs.utimesSync(model, st.atime, st.mtime);
    s0 = int8_cache_stats();
    assert.deepEqual(await pooled(c.weights), want);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 1 });

    // a manifest that is not JSON (a write cut short by hand): rebuilt too
    fs.writeFileSync(path.join(entry, "manifest.json"), "{ trunc");
    s0 = int8_cache_stats();
    assert.deepEqual(await pooled(c.weights), want);
    assert.equal(delta(s0, int8_cache_stats()).writes, 1);
    s0 = int8_cache_stats();
    await pooled(c.weights);
    assert.equal(delta(s0, int8_cache_stats()).hits, 1, "the rebuilt entry is used");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A child that quantizes the bert_model case through model.quantize() + forward (the sync worker). */
function childCode(): string {
  return `
    const { ready, BertModel, int8_cache_stats } = require(${JSON.stringify(SRC)});
    (async () => {
      await ready();
      const m = await BertModel.from_pretrained(${JSON.stringify(CASE)}, { quiet: true });
      m.engine = "onnx";
      m.quantize({ scheme: "reduce_range" });
      const out = m({ input_ids: [[101, 7, 8, 9, 102]] });
      console.log(JSON.stringify({ stats: int8_cache_stats(), engine: m.last_engine, pooled: Array.from(out.pooler_output.dataSync()) }));
      m.dispose();
    })();`;
}

function parse(stdout: string): { stats: Stats; engine: string; pooled: number[] } {
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

test("a second process's model.quantize() forward opens the entry the first one wrote", { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-int8-cache-test-"));
  try {
    const run = () => spawnSync(process.execPath, ["--import", "tsx", "-e", childCode()], { encoding: "utf8", timeout: 120_000, env: { ...process.env, BERTLAB_INT8_CACHE: dir } });
    const a = run();
    assert.equal(a.status, 0, a.stderr);
    const b = run();
    assert.equal(b.status, 0, b.stderr);
    const [ra, rb] = [parse(a.stdout), parse(b.stdout)];
    assert.equal(ra.engine, "onnx");
    assert.deepEqual([ra.stats.misses, ra.stats.writes, ra.stats.hits], [1, 1, 0], "first process: built and wrote");
    assert.deepEqual([rb.stats.misses, rb.stats.writes, rb.stats.hits], [0, 0, 1], "second process: a hit");
    assert.deepEqual([ra.stats.digests, ra.stats.file_keys, rb.stats.digests, rb.stats.file_keys], [0, 1, 0, 1], "keyed on the checkpoint files: no weight digested");
    assert.deepEqual(rb.pooled, ra.pooled);
    assert.equal(entries(dir).length, 1, "the worker kept the cached folder");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("concurrent writers of one entry leave one complete entry and no half-written folder", { skip, timeout: 180_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-int8-cache-test-"));
  try {
    const one = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ["--import", "tsx", "-e", childCode()], { env: { ...process.env, BERTLAB_INT8_CACHE: dir } });
        let out = "", err = ""; // prettier-ignore
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("close", (code) => resolve({ code, out, err }));
      });
    const runs = await Promise.all([one(), one(), one()]);
    for (const r of runs) assert.equal(r.code, 0, r.err);
    const res = runs.map((r) => parse(r.out));
    assert.equal(res.reduce((n, r) => n + r.stats.writes, 0), 1, `exactly one writer: ${JSON.stringify(res.map((r) => r.stats))}`);
    for (const r of res) assert.deepEqual(r.pooled, res[0].pooled);
    assert.deepEqual(entries(dir).length, 1);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => !/^[0-9a-f]{40}$/.test(n)), [], "no temp folder, lock or journal left");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, entries(dir)[0], "manifest.json"), "utf8"));
    for (const [name, f] of Object.entries(manifest.files as Record<string, { size: number }>)) assert.equal(fs.statSync(path.join(dir, entries(dir)[0], name)).size, f.size, name);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("BERTLAB_INT8_CACHE=off builds in a temporary folder and writes no entry", { skip }, async () => {
  const dir = freshCache();
  process.env.BERTLAB_INT8_CACHE = "off";
  try {
    const s0 = int8_cache_stats();
    await pooled(c.weights);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 0, writes: 0, rejected: 0 });
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an unusable cache folder (its parent is a file) falls back to a temporary build with one warning", { skip }, async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-int8-cache-test-")), "a-file");
  fs.writeFileSync(file, "not a folder");
  process.env.BERTLAB_INT8_CACHE = path.join(file, "int8");
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const s0 = int8_cache_stats();
    const got = await pooled(c.weights);
    await pooled(c.weights);
    assert.equal(got.length, (c.config as { hidden_size: number }).hidden_size * c.io.get("in.input_ids")!.shape[0]);
    assert.equal(delta(s0, int8_cache_stats()).writes, 0);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /int8 graph cache .*a-file\/int8 cannot be used \(ENOTDIR.*quantizing in a temporary folder instead\. Set BERTLAB_INT8_CACHE/);
  } finally {
    console.warn = warn;
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

test("model.forward after a weight changed (a training step) is a new entry with the new weights' outputs", { skip }, async () => {
  const dir = freshCache();
  await ready();
  const model = await BertModel.from_pretrained(CASE, { quiet: true });
  try {
    model.engine = "onnx";
    model.quantize({ scheme: "reduce_range" });
    const ids = { input_ids: [[101, 7, 8, 9, 102]] };
    const pooled = () => {
      const out = model(ids);
      const v = out.pooler_output.dataSync() as Float32Array;
      tf.dispose(out as never);
      return Float32Array.from(v);
    };
    let s0 = int8_cache_stats();
    const before = pooled();
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 0 });
    const w = model.state_dict().get("encoder.layer.0.output.dense.weight") as tf.Variable;
    tf.tidy(() => w.assign(tf.mul(w, 1.5)));
    s0 = int8_cache_stats();
    const after = pooled();
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 0 }, "the changed weights are another key");
    assert.notDeepEqual(after, before);
    assert.equal(entries(dir).length, 2);
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a model loaded from files is keyed on the files (a second load hits, no weight read); a training step, load_state_dict or a random head digests the weights", { skip }, async () => {
  const dir = freshCache();
  await ready();
  const ids = { input_ids: [[101, 7, 8, 9, 102]] };
  const load = async () => {
    const m = await BertModel.from_pretrained(CASE, { quiet: true });
    m.engine = "onnx";
    m.quantize({ scheme: "reduce_range" });
    return m;
  };
  const pooled = (m: BertModel) => {
    const out = m(ids);
    const v = Float32Array.from(out.pooler_output.dataSync() as Float32Array);
    tf.dispose(out as never);
    return v;
  };
  const a = await load();
  const b = await load();
  const models = [a, b];
  try {
    let s0 = int8_cache_stats();
    const first = pooled(a);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 0 });
    assert.deepEqual(keyKinds(s0, int8_cache_stats()), { digests: 0, file_keys: 1 });

    // a second load of the same files: a hit, and not one weight is read for it (the spy sees no read)
    const state = b.state_dict();
    let reads = 0;
    // the weights are read only through dataSync() or, on wasm, the heap view: count both for b's tensors
    const dataSync = tf.Tensor.prototype.dataSync;
    tf.Tensor.prototype.dataSync = function (this: tf.Tensor) {
      if ([...state.values()].some((v) => v.dataId === this.dataId)) reads++;
      return dataSync.call(this) as never;
    } as typeof dataSync;
    const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => unknown };
    const heap = backend.typedArrayFromHeap;
    if (heap) backend.typedArrayFromHeap = function (this: unknown, t: tf.TensorInfo) {
      if ([...state.values()].some((v) => v.dataId === t.dataId)) reads++;
      return heap.call(this, t);
    };
    s0 = int8_cache_stats();
    let second: Float32Array;
    try {
      second = pooled(b);
    } finally {
      tf.Tensor.prototype.dataSync = dataSync;
      if (heap) backend.typedArrayFromHeap = heap;
    }
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 1, misses: 0, writes: 0, rejected: 0 });
    assert.deepEqual(keyKinds(s0, int8_cache_stats()), { digests: 0, file_keys: 1 });
    assert.equal(reads, 0, "a warm start reads no weight");
    assert.deepEqual(second, first);

    // one AdamW step on b: its key is a digest of the new weights, a new entry with other outputs
    const w = b.state_dict().get("encoder.layer.0.output.dense.weight")!;
    const opt = new AdamW({ lr: 0.01 });
    const grad = tf.onesLike(w);
    opt.applyGradients({ [w.name]: grad });
    grad.dispose();
    s0 = int8_cache_stats();
    const trained = pooled(b);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 0, misses: 1, writes: 1, rejected: 0 }, "the trained weights are another key");
    assert.deepEqual(keyKinds(s0, int8_cache_stats()), { digests: 1, file_keys: 0 });
    assert.notDeepEqual(trained, first);
    opt.dispose();

    // a's weights overwritten by load_state_dict with b's trained ones: digested, the trained entry is hit
    a.load_state_dict(b.state_dict());
    s0 = int8_cache_stats();
    assert.deepEqual(pooled(a), trained);
    assert.deepEqual(delta(s0, int8_cache_stats()), { hits: 1, misses: 0, writes: 0, rejected: 0 });
    assert.deepEqual(keyKinds(s0, int8_cache_stats()), { digests: 1, file_keys: 0 });

    // a head the checkpoint lacks is newly initialised: not what the files hold, so digested
    const cls = await BertForSequenceClassification.from_pretrained(CASE, { quiet: true, num_labels: 2 });
    models.push(cls as never);
    cls.engine = "onnx";
    cls.quantize({ scheme: "reduce_range" });
    s0 = int8_cache_stats();
    tf.dispose(cls({ input_ids: ids.input_ids }) as never);
    assert.deepEqual(keyKinds(s0, int8_cache_stats()), { digests: 1, file_keys: 0 });
    assert.equal(entries(dir).length, 3);
  } finally {
    for (const m of models) m.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
