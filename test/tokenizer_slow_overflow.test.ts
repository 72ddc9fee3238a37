// The slow BertTokenizer's return_overflowing_tokens against a golden recorded from the real transformers 4.31
// code (scripts/golden-slow-overflow.py wrote test/fixtures/tokenizer/slow_overflow.json; no Python runs here):
// overflowing_tokens / num_truncated_tokens for single texts, pairs and batches, every truncation strategy and
// side, strides up to and past what is left, with and without return_tensors, prepare_for_model(ids, null, ...),
// and the inputs where Python raises or logs an error. return_tensors 'pt' in the golden stands in for 'tf'
// (see the script's docstring): its "int" tensors are int32 here, its "float" ones (an empty overflow) float32.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../src/backend";
import { BertTokenizer, BatchEncoding, CallOptions } from "../src/tokenizers";

const FIX = path.join(__dirname, "fixtures");

interface GoldenTensor { tensor: true; shape: number[]; dtype: "int" | "float"; data: unknown }
interface Case {
  id: string;
  vocab: "bert-base-uncased" | "bert-base-cased";
  truncation_side: "right" | "left";
  kind: "call" | "prepare_for_model";
  text?: string | string[];
  text_pair?: string | string[];
  ids?: number[];
  pair_ids?: number[] | null;
  options: Record<string, unknown>;
  result?: { keys: string[]; fields: Record<string, unknown> };
  error?: { type: string; message: string };
  logs: { level: string; message: string }[];
}
const golden: { meta: { oracle: string }; texts: Record<string, string>; cases: Case[] } = JSON.parse(
  fs.readFileSync(path.join(FIX, "tokenizer/slow_overflow.json"), "utf8"),
);

const toks = new Map<string, BertTokenizer>();
before(async () => {
  for (const vocab of ["bert-base-uncased", "bert-base-cased"]) {
    for (const side of ["right", "left"] as const) {
      toks.set(`${vocab}/${side}`, await BertTokenizer.from_pretrained(path.join(FIX, "vocab", vocab), { truncation_side: side }));
    }
  }
});

/** Python keyword arguments -> bertlab options (the same names; 'pt' stands in for 'tf'). */
function optionsOf(c: Case): CallOptions & { prepend_batch_axis?: boolean } {
  const o: Record<string, unknown> = { ...c.options };
  if (o.return_tensors === "pt") o.return_tensors = "tf";
  return o as CallOptions;
}

const isTensor = (v: unknown): v is GoldenTensor => typeof v === "object" && v !== null && (v as GoldenTensor).tensor === true;

/** Python >= 3.11 writes the TruncationStrategy enum in f-strings as TruncationStrategy.ONLY_FIRST; bertlab writes the value. */
const enumAsValue = (m: string): string => m.replace(/TruncationStrategy\.([A-Z_]+)/g, (_, n: string) => n.toLowerCase());

/** Runs one case with console.error / console.warn captured. */
function run(c: Case): { out?: BatchEncoding; error?: Error; errors: string[] } {
  const tok = toks.get(`${c.vocab}/${c.truncation_side}`)!;
  const o = optionsOf(c);
  const errors: string[] = [];
  const [err, warn] = [console.error, console.warn];
  console.error = (m: unknown) => errors.push(String(m));
  console.warn = () => {}; // transformers' warn-once deprecation notes are not compared (see below)
  try {
    if (c.kind === "prepare_for_model") return { out: tok.prepare_for_model(c.ids!, c.pair_ids ?? null, o), errors };
    const name = (n: string | string[] | undefined) => (n === undefined ? undefined : Array.isArray(n) ? n.map((k) => golden.texts[k]) : golden.texts[n]);
    const text = name(c.text)!;
    const text_pair = name(c.text_pair);
    return { out: (tok as unknown as (t: unknown, o: unknown) => BatchEncoding)(text, { ...o, text_pair }), errors };
  } catch (e) {
    return { error: e as Error, errors };
  } finally {
    console.error = err;
    console.warn = warn;
  }
}

function checkCase(c: Case): void {
  const msg = c.id;
  const { out, error, errors } = run(c);
  // Errors transformers logs (impossible only_first / only_second truncations) are logged here too, word for word.
  const want_logged = c.logs.filter((l) => l.level === "error").map((l) => enumAsValue(l.message));
  assert.deepEqual(errors, want_logged, `${msg}: logged errors`);
  if (c.error) {
    assert.ok(error, `${msg}: Python raised ${c.error.type}: ${c.error.message}, bertlab returned`);
    if (c.error.type === "TypeError") {
      // Python fails inside prepare_for_model (total_len - None); bertlab names the missing max_length instead.
      assert.ok(error instanceof TypeError, `${msg}: ${error}`);
      assert.match(error.message, /return_overflowing_tokens.*max_length/, msg);
    } else {
      assert.ok(error.message.startsWith(c.error.message), `${msg}: error message\n  bertlab: ${error.message}\n  python:  ${c.error.message}`);
    }
    return;
  }
  if (error) throw new Error(`${msg}: Python returned, bertlab threw: ${error.stack}`);
  const enc = out!;
  try {
    assert.deepEqual(enc.keys(), c.result!.keys, `${msg}: keys`);
    const got = enc as unknown as Record<string, unknown>;
    for (const [k, want] of Object.entries(c.result!.fields)) {
      const v = got[k];
      if (isTensor(want)) {
        assert.ok(v instanceof tf.Tensor, `${msg}: ${k} should be a tensor, got ${JSON.stringify(v)}`);
        assert.deepEqual(v.shape, want.shape, `${msg}: ${k} shape`);
        assert.equal(v.dtype, want.dtype === "int" ? "int32" : "float32", `${msg}: ${k} dtype`);
        // (tfjs's arraySync gives [] for any empty tensor, [1, 0] included: the shape says it all there.)
        if (v.size > 0) assert.deepEqual(v.arraySync(), want.data, `${msg}: ${k}`);
        else assert.deepEqual([want.data].flat(Infinity), [], `${msg}: ${k}`);
      } else {
        assert.ok(!(v instanceof tf.Tensor), `${msg}: ${k} should be plain values`);
        assert.deepEqual(v, want, `${msg}: ${k}`);
      }
    }
  } finally {
    enc.dispose();
  }
}

const groups = new Map<string, Case[]>();
for (const c of golden.cases) {
  const g = c.id.split("/").slice(0, 2).join("/");
  groups.set(g, [...(groups.get(g) ?? []), c]);
}

test("the golden is the real transformers 4.31 code's", () => {
  assert.match(golden.meta.oracle, /^transformers 4\.31\.\S+ slow BertTokenizer/);
  assert.ok(golden.cases.length > 1000, `${golden.cases.length} cases`);
  // It covers what the issue asks for: raises, logged errors, tensors, batches, left truncation, pair_ids=None.
  assert.ok(golden.cases.some((c) => c.error?.message.startsWith("Not possible to return overflowing tokens")));
  assert.ok(golden.cases.some((c) => c.error?.message.startsWith("Unable to create tensor returning overflowing tokens")));
  assert.ok(golden.cases.some((c) => c.logs.some((l) => l.level === "error")));
  assert.ok(golden.cases.some((c) => c.kind === "prepare_for_model" && c.pair_ids === null && c.result));
  assert.ok(golden.cases.some((c) => c.truncation_side === "left" && c.result && (c.result.fields.overflowing_tokens as number[]).length > 0));
  assert.ok(golden.cases.some((c) => Array.isArray(c.text) && c.options.return_tensors === "pt" && c.result));
});

for (const [group, cases] of groups) {
  test(`slow overflow ${group} (${cases.length} cases)`, () => {
    const n = tf.memory().numTensors;
    const failures: string[] = [];
    for (const c of cases) {
      try {
        checkCase(c);
      } catch (e) {
        failures.push((e as Error).message.split("\n").slice(0, 8).join("\n"));
      }
    }
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ from Python; the first:\n${failures.slice(0, 6).join("\n\n")}`);
    assert.equal(tf.memory().numTensors, n, `${group}: tensors leaked (failed calls included)`);
  });
}
