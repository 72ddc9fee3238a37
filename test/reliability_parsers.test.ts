// Parser fuzzing (issue 12, item 6): every reader of a file bertlab may be handed — safetensors,
// pytorch_model.bin (zip + pickle, and the legacy stream), config.json, tokenizer.json, vocab.txt,
// notebooks — is fed seeded random mutations of real files and random structures. Each case must either
// parse or throw a clear bertlab error: an Error that is none of JavaScript's own classes (TypeError,
// RangeError, … — the signature of a missing check) and whose message names the input. A case slower
// than HANG_MS counts as a hang. Each suite prints its counts, e.g.
//   # safetensors: 2000 cases, 0 crashes, 0 hangs, 0 raw TypeErrors (1712 refused, 288 parsed)
// `npm run fuzz` runs the same suites with BERTLAB_FUZZ_SCALE=20 (counts × 20, other seeds stay fixed).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { unzipSync } from "fflate";
import { loadPickle, parseSafetensors, parseTorchBin, serializeSafetensors } from "../src/hub";
import { TORCH_GLOBALS } from "../src/hub/torch_bin";
import { BertConfig } from "../src/models/bert/configuration_bert";
import { BertTokenizer } from "../src/tokenizers/bert";
import { load_tokenizer_json, load_vocab } from "../src/tokenizers/vocab";
import { normalize_notebook, read_notebook, source_text } from "../kernel/notebook";
import { is_raw_js_error } from "../src/utils/read_file";

const SCALE = Math.max(1, Number(process.env.BERTLAB_FUZZ_SCALE ?? 1) || 1);
const HANG_MS = 2000;
const FIX = path.join(__dirname, "fixtures");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-fuzz-"));
process.on("exit", () => fs.rmSync(TMP, { recursive: true, force: true }));

interface Tally {
  cases: number;
  parsed: number;
  refused: number;
  crashes: string[]; // raw JS errors and errors that do not name the input
  hangs: number;
}

/** Runs one case: parse or a clear error naming `source`; anything else is recorded, not thrown. */
async function runCase(t: Tally, source: string, parse: () => unknown): Promise<void> {
  t.cases++;
  const start = performance.now();
  try {
    await parse();
    t.parsed++;
  } catch (e) {
    const err = e as Error;
    if (!(e instanceof Error) || is_raw_js_error(e)) t.crashes.push(`${(e as Error)?.name}: ${String(err?.message).slice(0, 200)}`);
    else if (!err.message.includes(source)) t.crashes.push(`an error not naming ${source}: ${err.message.slice(0, 200)}`);
    else t.refused++;
  }
  if (performance.now() - start > HANG_MS) t.hangs++;
}

function report(ctx: TestContext, name: string, t: Tally): void {
  const raw = t.crashes.filter((c) => /^(TypeError|RangeError|ReferenceError|SyntaxError)/.test(c)).length;
  const line = `${name}: ${t.cases} cases, ${t.crashes.length} crashes, ${t.hangs} hangs, ${raw} raw TypeErrors (${t.refused} refused, ${t.parsed} parsed)`;
  ctx.diagnostic(line);
  assert.deepEqual(t.crashes.slice(0, 5), [], `${name}: ${t.crashes.length} crashes`);
  assert.equal(t.hangs, 0, `${name}: hangs`);
}

const tally = (): Tally => ({ cases: 0, parsed: 0, refused: 0, crashes: [], hangs: 0 });

/** Byte-level mutations of `base`: overwrite bytes, cut, insert, and occasionally splice a length field. */
const mutated = (base: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      edits: fc.array(fc.tuple(fc.nat(Math.max(0, base.length - 1)), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(base.length), { nil: undefined }),
      insert: fc.option(fc.tuple(fc.nat(base.length), fc.uint8Array({ maxLength: 16 })), { nil: undefined }),
    })
    .map(({ edits, cut, insert }) => {
      let b = Uint8Array.from(base);
      for (const [at, v] of edits) b[at] = v;
      if (insert) b = Uint8Array.from([...b.subarray(0, insert[0]), ...insert[1], ...b.subarray(insert[0])]);
      return cut === undefined ? b : b.subarray(0, cut);
    });

/** A JSON text derived from `base` by replacing values at random paths with random JSON (or deleting keys). */
function mutatedJson(base: unknown): fc.Arbitrary<string> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    if (paths.length > 400) return;
    paths.push(p);
    if (Array.isArray(v)) v.slice(0, 8).forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === "object") Object.entries(v).slice(0, 40).forEach(([k, x]) => walk(x, [...p, k]));
  };
  walk(base, []);
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, -1, 1.5, 2 ** 53, "", [], {}, [null], 1e308));
  return fc.array(fc.tuple(fc.constantFrom(...paths), value, fc.boolean()), { minLength: 1, maxLength: 4 }).map((edits) => {
    let root = structuredClone(base);
    for (const [p, v, del] of edits) {
      if (p.length === 0) {
        root = v;
        continue;
      }
      let parent: any = root; // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const k of p.slice(0, -1)) parent = parent?.[k];
      if (parent === null || typeof parent !== "object") continue;
      if (del && !Array.isArray(parent)) delete parent[p[p.length - 1]];
      else parent[p[p.length - 1]] = v;
    }
    return JSON.stringify(root) ?? "null";
  });
}

const textOrJson = (base: unknown): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: mutatedJson(base) }, { weight: 1, arbitrary: mutated(Buffer.from(JSON.stringify(base))).map((b) => Buffer.from(b).toString("utf8")) });

function writeCase(name: string, data: string | Uint8Array): string {
  const file = path.join(TMP, name);
  fs.writeFileSync(file, data);
  return file;
}

test("fuzz safetensors: mutated files and random headers parse or fail clearly", async (ctx) => {
  const t = tally();
  const weights = { "a.weight": { dtype: "float32" as const, shape: [3, 4], data: new Float32Array(12).fill(0.5) }, "b.ids": { dtype: "int32" as const, shape: [5], data: new Int32Array([1, 2, 3, 4, 5]) } };
  const base = Buffer.concat(serializeSafetensors(weights));
  const half = Buffer.concat(serializeSafetensors(weights, { format: "pt" }, { float_dtype: "BF16" }));
  const dtype = fc.constantFrom("F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "U64", "F8_E4M3", "X9", 3, null);
  const num = fc.oneof(fc.nat(64), fc.integer({ min: -8, max: 8 }), fc.constantFrom(1.5, 2 ** 53, 2 ** 64, -0, NaN as unknown as number), fc.string({ maxLength: 3 }) as unknown as fc.Arbitrary<number>);
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.record({ dtype, shape: fc.array(num, { maxLength: 4 }), data_offsets: fc.array(num, { maxLength: 3 }) }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.constantFrom(null, 7, "x", [], [0, 4]) },
  );
  const header = fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constant("__metadata__")), entry, { maxKeys: 4 });
  const structured = fc.tuple(header, fc.nat(96)).map(([h, n]) => {
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, json, Buffer.alloc(n, 7)]);
  });
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated(base), mutated(half), structured), async (bytes) => {
      await runCase(t, "fuzz.safetensors", () => {
        const out = parseSafetensors(bytes, "fuzz.safetensors");
        for (const v of out.tensors.values()) assert.equal(v.data.length, v.shape.reduce((a, b) => a * b, 1));
      });
    }),
    { numRuns: 2000 * SCALE, seed: 12 },
  );
  report(ctx, "safetensors", t);
});

test("fuzz pytorch_model.bin: mutated zips, pickles and legacy files parse or fail clearly", async (ctx) => {
  const t = tally();
  const zips = ["synthetic_p2.bin", "synthetic_p4.bin", "synthetic_p5.bin", "bad_view.bin"].map((f) => fs.readFileSync(path.join(FIX, "hub", f)));
  const legacy = fs.readFileSync(path.join(FIX, "hub", "synthetic_legacy.bin"));
  const pkl = unzipSync(zips[1])["archive/data.pkl"];
  const opts = { globals: TORCH_GLOBALS, source: "fuzz.pkl", persistent_load: (pid: unknown) => pid };
  await fc.assert(
    fc.asyncProperty(fc.oneof(...zips.map(mutated), mutated(legacy)), async (bytes) => {
      await runCase(t, "fuzz.bin", () => parseTorchBin(bytes, "fuzz.bin"));
    }),
    { numRuns: 1000 * SCALE, seed: 34 },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated(pkl), fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0x80, 2, ...b]))), async (bytes) => {
      await runCase(t, "fuzz.pkl", () => loadPickle(bytes, opts));
    }),
    { numRuns: 1000 * SCALE, seed: 56 },
  );
  report(ctx, "pickle/zip (.bin)", t);
});

test("fuzz config.json: mutated configs load or fail clearly", async (ctx) => {
  const t = tally();
  const base = JSON.parse(fs.readFileSync(path.join(FIX, "hub", "bert_model", "config.json"), "utf8"));
  await fc.assert(
    fc.asyncProperty(textOrJson(base), async (text) => {
      const file = writeCase("config.json", text);
      await runCase(t, file, () => BertConfig.from_json_file(file).to_json_string());
    }),
    { numRuns: 1000 * SCALE, seed: 78 },
  );
  report(ctx, "config.json", t);
});

test("fuzz tokenizer.json: mutated files load and tokenize, or fail clearly", async (ctx) => {
  const t = tally();
  const tokens = load_vocab(path.join(FIX, "vocab", "bert-base-uncased", "vocab.txt")).vocab;
  const vocab = Object.fromEntries([...tokens].filter(([, id]) => id < 120 || id > 1990 && id < 2100));
  const base = {
    version: "1.0",
    added_tokens: [{ id: 0, content: "[PAD]", special: true }, { id: 100, content: "[UNK]", special: true }, { id: 101, content: "[CLS]", special: true }, { id: 102, content: "[SEP]", special: true }, { id: 103, content: "[MASK]", special: true }],
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: { type: "BertProcessing", sep: ["[SEP]", 102], cls: ["[CLS]", 101] },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  };
  const dir = path.join(TMP, "tokjson");
  fs.mkdirSync(dir);
  await fc.assert(
    fc.asyncProperty(textOrJson(base), async (text) => {
      const file = path.join(dir, "tokenizer.json");
      fs.writeFileSync(file, text);
      await runCase(t, file, async () => {
        load_tokenizer_json(file);
        const tok = await BertTokenizer.from_pretrained(dir);
        tok("The quick brown fox, the end.", { text_pair: "a b", padding: "max_length", max_length: 24, truncation: true });
      });
    }),
    { numRuns: 300 * SCALE, seed: 90 },
  );
  report(ctx, "tokenizer.json", t);
});

test("fuzz vocab.txt: random and mutated vocabularies load and tokenize, or fail clearly", async (ctx) => {
  const t = tally();
  const lines = fs.readFileSync(path.join(FIX, "vocab", "bert-base-uncased", "vocab.txt"), "utf8").split("\n").slice(0, 2100);
  const base = Buffer.from(lines.join("\n"));
  const random = fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "##s", "", "\r", "\ufeff")), { maxLength: 40 }).map((l) => Buffer.from(l.join("\n")));
  const dir = path.join(TMP, "vocab");
  fs.mkdirSync(dir);
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutated(base), random), async (bytes) => {
      const file = path.join(dir, "vocab.txt");
      fs.writeFileSync(file, bytes);
      await runCase(t, file, async () => {
        const tok = await BertTokenizer.from_pretrained(dir);
        tok.decode(tok("Hello, world! naïve 東京", { return_offsets_mapping: true }).input_ids as number[]);
      });
    }),
    { numRuns: 300 * SCALE, seed: 91 },
  );
  report(ctx, "vocab.txt", t);
});

test("fuzz notebooks (.ipynb): mutated notebooks read and normalize, or fail clearly", async (ctx) => {
  const t = tally();
  const base = JSON.parse(fs.readFileSync(path.join(FIX, "kernel", "hello.ipynb"), "utf8"));
  const hostile = fc.constantFrom('{"nbformat":4,"cells":[null]}', '{"nbformat":4,"cells":[{"cell_type":"code","source":42}]}', '{"nbformat":4,"cells":[{"cell_type":"code","source":"x","metadata":{"tags":5}}]}', "[]", "null", '{"nbformat":"4","cells":[]}');
  await fc.assert(
    fc.asyncProperty(fc.oneof(textOrJson(base), hostile), async (text) => {
      const file = writeCase("fuzz.ipynb", text);
      await runCase(t, file, () => {
        const nb = normalize_notebook(read_notebook(file));
        for (const c of nb.cells) source_text(c);
        JSON.stringify(nb);
      });
    }),
    { numRuns: 1000 * SCALE, seed: 92 },
  );
  report(ctx, "notebooks", t);
});
