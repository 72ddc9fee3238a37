// int8 schemes per CPU class (src/engines/onnx/cpu.ts): the CPU's features and the scheme "auto" picks,
// the BERTLAB_INT8_SCHEME / quantize({ scheme }) overrides, and the accuracy floor — cosine ≥ 0.999
// against fp32 — for every scheme that is exact on the CPU running the test (u8u8 and reduce_range
// everywhere, u8s8 only with VNNI): on every golden case (worst output), on the shipped mini-BERT and on
// bert-base shapes (hidden 768, 12 heads, intermediate 3072; 2 layers to stay fast). On a CPU without
// VNNI it also checks that forced u8s8 really saturates (the probe of int8_forward_check falls below
// the floor), i.e. that the CPU detection is right about this machine.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import type { TensorData } from "../src/hub/safetensors";
import { readSafetensors } from "../src/hub/safetensors";
import { ENGINE_CASES, load_engine_case as load } from "./fixtures/models/engine_cases";
import { INT8_SCHEMES, Int8Scheme, int8_cpu_info, int8_forward_check, NON_VNNI_SCHEME, OnnxBertEngine, onnx_available, OutputTensor, resolveQuantize } from "../src/engines";
import { BERT_BASE, randomBertWeights } from "../bench/random_bert";
import { cosine } from "../bench/common";

const skip = onnx_available() ? false : "onnxruntime-node is not installed";
process.env.BERTLAB_INT8_CACHE = "off"; // these tests build every graph; the cache has its own tests

const cpu = int8_cpu_info();
/** Schemes whose integer GEMM is exact on this CPU: all of them with VNNI, else all but u8s8. */
const exact: Int8Scheme[] = INT8_SCHEMES.filter((s) => s !== "u8s8" || cpu.vnni);

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const before = process.env.BERTLAB_INT8_SCHEME;
  if (value === undefined) delete process.env.BERTLAB_INT8_SCHEME;
  else process.env.BERTLAB_INT8_SCHEME = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.BERTLAB_INT8_SCHEME;
    else process.env.BERTLAB_INT8_SCHEME = before;
  }
}

test("int8_cpu_info reads /proc/cpuinfo and picks u8s8 with VNNI, reduce_range without", () => {
  const info = withEnv(undefined, () => int8_cpu_info());
  console.log(`CPU: ${info.model}; avx2 ${info.avx2}, avx512f ${info.avx512f}, avx512_vnni ${info.avx512_vnni}, avx_vnni ${info.avx_vnni}, amx ${info.amx} → ${info.scheme} (${info.reason})`);
  let flags: Set<string> | null = null;
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    if (line) flags = new Set(line.split(":")[1].trim().split(/\s+/));
  } catch {
    // no /proc here: the features are unknown
  }
  assert.equal(info.flags_source, flags ? "/proc/cpuinfo" : null);
  for (const f of ["avx2", "avx512f", "avx512_vnni", "avx_vnni"] as const) assert.equal(info[f], !!flags?.has(f), f);
  assert.equal(info.vnni, info.avx512_vnni || info.avx_vnni || info.amx);
  assert.equal(info.forced_by_env, null);
  if (info.vnni && (process.arch === "x64" || process.arch === "ia32")) {
    assert.equal(info.scheme, "u8s8");
    assert.match(info.reason, /VNNI|AMX/);
  } else {
    assert.equal(info.scheme, NON_VNNI_SCHEME);
    assert.equal(NON_VNNI_SCHEME, "reduce_range");
    assert.match(info.reason, flags && info.avx2 ? /without VNNI.*saturation.*reduce_range/ : /reduce_range/);
  }
});

test("BERTLAB_INT8_SCHEME and quantize({ scheme }) override the CPU's choice; bad values are named", () => {
  for (const s of INT8_SCHEMES) {
    withEnv(s, () => {
      assert.equal(int8_cpu_info().scheme, s);
      assert.equal(int8_cpu_info().forced_by_env, s);
      assert.deepEqual(resolveQuantize({}), { dtype: "int8", per_channel: true, scheme: s });
      assert.deepEqual(resolveQuantize(true), { dtype: "int8", per_channel: true, scheme: s });
    });
    assert.deepEqual(resolveQuantize({ scheme: s, per_channel: false }), { dtype: "int8", per_channel: false, scheme: s });
  }
  assert.equal(withEnv("auto", () => int8_cpu_info().scheme), withEnv(undefined, () => int8_cpu_info().scheme));
  assert.throws(() => withEnv("s8s8", () => resolveQuantize({})), /BERTLAB_INT8_SCHEME='s8s8' is not an int8 scheme; expected one of auto, u8s8, u8u8, reduce_range/);
  assert.throws(() => resolveQuantize({ scheme: "int4" as never }, "BertModel.quantize"), /BertModel\.quantize\.scheme='int4' is not supported; expected "auto", "u8s8", "u8u8", "reduce_range"/);
});

function asIds(x: TensorData | undefined) {
  return x ? { data: x.data, dims: x.shape } : undefined;
}

for (const scheme of INT8_SCHEMES) {
  const why = skip || (exact.includes(scheme) ? false : `u8s8 saturates on this CPU (no VNNI: ${cpu.reason})`);

  test(`${scheme}: every golden case ≥ 0.999 cosine against HF fp32 (worst output)`, { skip: why }, async () => {
    let worst = 1;
    let where = "";
    for (const name of ENGINE_CASES) {
      const c = load(name);
      const engine = await OnnxBertEngine.create({ config: c.config, weights: c.weights, architecture: c.config.architectures[0], quantize: { scheme } });
      const t = (k: string) => c.io.get(`in.${k}`);
      const out = await engine.run({ input_ids: asIds(t("input_ids"))!, attention_mask: asIds(t("attention_mask")), token_type_ids: asIds(t("token_type_ids")) }, { output_hidden_states: true });
      await engine.dispose();
      for (const [key, want] of c.io) {
        if (!key.startsWith("out.") || key === "out.loss" || key.startsWith("out.attentions.")) continue;
        const m = /^hidden_states\.(\d+)$/.exec(key.slice(4));
        const got = (m ? (out.hidden_states as OutputTensor[])[Number(m[1])] : out[key.slice(4)]) as OutputTensor;
        const cos = cosine(got.data, want.data as Float32Array);
        if (cos < worst) [worst, where] = [cos, `${name} ${key.slice(4)}`];
      }
    }
    console.log(`${scheme}: worst golden cosine ${worst.toFixed(5)} (${where})`);
    assert.ok(worst >= 0.999, `${scheme}: ${where} cosine ${worst} < 0.999`);
    assert.ok(worst < 1 - 1e-7, "int8 equals fp32: the graphs were not quantized");
  });

  test(`${scheme}: the shipped mini-BERT and bert-base shapes ≥ 0.999 cosine against fp32`, { skip: why }, async () => {
    const cfg = JSON.parse(fs.readFileSync("models/mini-bert-uncased/config.json", "utf8"));
    const mini = { config: cfg, weights: readSafetensors("models/mini-bert-uncased/model.safetensors").tensors, architecture: "BertForPreTraining" };
    const base = { config: { ...BERT_BASE, num_hidden_layers: 2, vocab_size: 2000 }, weights: randomBertWeights({ ...BERT_BASE, num_hidden_layers: 2, vocab_size: 2000 }, 3), architecture: "BertModel" };
    for (const [label, m, V] of [["mini-BERT", mini, 30522], ["bert-base shapes", base, 2000]] as const) {
      const ids = { data: BigInt64Array.from({ length: 4 * 64 }, (_, i) => BigInt(i % 64 === 0 ? 101 : 1000 + ((i * 7919) % (V - 1000)))), dims: [4, 64] };
      const f = await OnnxBertEngine.create({ ...m, threads: 1 });
      const q = await OnnxBertEngine.create({ ...m, threads: 1, quantize: { scheme } });
      const [a, b] = [await f.run({ input_ids: ids }, { output_hidden_states: true }), await q.run({ input_ids: ids }, { output_hidden_states: true })];
      await Promise.all([f.dispose(), q.dispose()]);
      const last = (o: typeof a) => (o.hidden_states as OutputTensor[])[(o.hidden_states as OutputTensor[]).length - 1].data;
      const cos = cosine(last(b), last(a));
      console.log(`${scheme} ${label}: last hidden state cosine ${cos.toFixed(5)}`);
      assert.ok(cos >= 0.999, `${scheme} ${label}: cosine ${cos} < 0.999`);
      assert.ok(cos < 1 - 1e-7, `${scheme} ${label}: int8 equals fp32`);
    }
  });
}

test("int8_forward_check (the doctor's proof line) passes with the CPU's own scheme", { skip }, async () => {
  const r = await int8_forward_check();
  console.log(`int8_forward_check: ${r.scheme} cosine ${r.cosine.toFixed(5)} in ${r.ms.toFixed(0)} ms (${r.model})`);
  assert.equal(r.scheme, cpu.scheme);
  assert.ok(r.ok && r.cosine >= 0.999, `cosine ${r.cosine}`);
  assert.equal(r.cpu.scheme, cpu.scheme);
});

test("without VNNI, forced u8s8 saturates on this CPU (the probe falls below the floor)", { skip: skip || (cpu.vnni ? "this CPU has VNNI: u8s8 is exact here (test/engines_quantize_avx2.test.ts emulates an AVX2 CPU)" : false) }, async () => {
  const r = await int8_forward_check({ scheme: "u8s8" });
  console.log(`u8s8 on ${cpu.model}: probe cosine ${r.cosine.toFixed(5)}`);
  assert.ok(r.cosine < 0.999, `u8s8 reached ${r.cosine} on a CPU without VNNI: does this CPU saturate at all? (${cpu.reason})`);
});
