// Every case of the tokenizer goldens (transformers 4.31 slow BertTokenizer + Rust tokenizers offsets),
// on the real bert-base-uncased / bert-base-cased vocabularies.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BertTokenizer, CallOptions } from "../src/tokenizers";
import { VARIANTS } from "./fixtures/tokenizer/variants";

const FIX = path.join(__dirname, "fixtures");
const VOCAB = { uncased: path.join(FIX, "vocab/bert-base-uncased"), cased: path.join(FIX, "vocab/bert-base-cased") };

interface Enc { input_ids: number[]; token_type_ids: number[]; attention_mask: number[]; special_tokens_mask: number[] }
interface Case {
  id: string; vocab: "uncased" | "cased"; text: string; text_pair?: string; do_lower_case: boolean;
  slow: Enc & {
    tokens: string[]; tokens_pair?: string[]; ids_to_tokens: string[]; decode: string; decode_skip_special: string;
    decode_skip_special_no_cleanup: string; encode_no_special: number[]; variants: Record<string, Enc | { error: string }>;
  };
  rust: Enc & { tokens: string[]; offsets: [number, number][]; word_ids: (number | null)[]; sequence_ids: (number | null)[] };
}
interface RustRow extends Enc { tokens: string[]; offsets: [number, number][]; word_ids: (number | null)[]; sequence_ids: (number | null)[] }
interface BatchCase {
  id: string; vocab: "uncased" | "cased"; texts?: string[]; pairs?: [string, string][];
  slow: Record<string, { input_ids: number[][]; token_type_ids: number[][]; attention_mask: number[][]; special_tokens_mask: number[][] }>;
  rust: Record<string, RustRow[]>;
  agree: Record<string, boolean>;
}

const cases: Case[] = JSON.parse(fs.readFileSync(path.join(FIX, "tokenizer/cases.json"), "utf8")).cases;
const batches: BatchCase[] = JSON.parse(fs.readFileSync(path.join(FIX, "tokenizer/batches.json"), "utf8")).batches;

const BATCH_VARIANTS: Record<string, CallOptions> = {
  pad_longest: { padding: true },
  pad_longest_trunc12: { padding: "longest", truncation: true, max_length: 12 },
  pad_max16_trunc16: { padding: "max_length", truncation: true, max_length: 16 },
  pad_longest_multiple_of_8: { padding: true, pad_to_multiple_of: 8 },
};

/** Code-point offsets (Rust) -> JavaScript string indices. */
function cpToUtf16(text: string): number[] {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return map;
}
function jsOffsets(offsets: [number, number][], seqIds: (number | null)[], texts: string[]): [number, number][] {
  const maps = texts.map(cpToUtf16);
  return offsets.map(([s, e], k) => (seqIds[k] === null ? [0, 0] : [maps[seqIds[k]!][s], maps[seqIds[k]!][e]]));
}

const toks: Record<string, BertTokenizer> = {};
const fromJson: Record<string, BertTokenizer> = {};
before(async () => {
  for (const v of ["uncased", "cased"] as const) {
    toks[v] = await BertTokenizer.from_pretrained(VOCAB[v]);
    // The same tokenizer from tokenizer.json alone (no vocab.txt in the folder).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bertlab-tokjson-${v}-`));
    fs.copyFileSync(path.join(VOCAB[v], "tokenizer.json"), path.join(dir, "tokenizer.json"));
    fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ model_max_length: 512 }));
    fromJson[v] = await BertTokenizer.from_pretrained(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the fixture tokenizers are what the goldens used", () => {
  assert.equal(toks.uncased.vocab_size, 30522);
  assert.equal(toks.cased.vocab_size, 28996);
  assert.equal(toks.uncased.do_lower_case, true);
  assert.equal(toks.cased.do_lower_case, false);
  assert.equal(toks.uncased.model_max_length, 512);
  assert.equal(fromJson.uncased.vocab_size, 30522);
  assert.equal(fromJson.cased.do_lower_case, false);
});

for (const c of cases) {
  test(`case ${c.id} ${JSON.stringify(c.text.slice(0, 40))}${c.text_pair !== undefined ? " + pair" : ""}`, () => {
    for (const [which, tok] of [["vocab.txt", toks[c.vocab]], ["tokenizer.json", fromJson[c.vocab]]] as const) {
      const msg = `${c.id} (${which})`;
      const pair = c.text_pair ?? null;
      assert.deepEqual(tok.tokenize(c.text), c.slow.tokens, `${msg} tokens`);
      if (pair !== null) assert.deepEqual(tok.tokenize(pair), c.slow.tokens_pair, `${msg} tokens_pair`);
      const enc = tok(c.text, { text_pair: pair, return_special_tokens_mask: true, return_offsets_mapping: true });
      assert.deepEqual(enc.input_ids, c.slow.input_ids, `${msg} input_ids`);
      assert.deepEqual(enc.token_type_ids, c.slow.token_type_ids, `${msg} token_type_ids`);
      assert.deepEqual(enc.attention_mask, c.slow.attention_mask, `${msg} attention_mask`);
      assert.deepEqual(enc.special_tokens_mask, c.slow.special_tokens_mask, `${msg} special_tokens_mask`);
      assert.deepEqual(tok.convert_ids_to_tokens(enc.input_ids), c.slow.ids_to_tokens, `${msg} ids_to_tokens`);
      assert.deepEqual(enc.tokens(), c.rust.tokens, `${msg} tokens()`);
      // Offsets, word ids and sequence ids as the fast tokenizer gives them (converted to JS indices).
      const texts = pair === null ? [c.text] : [c.text, pair];
      assert.deepEqual(enc.offset_mapping, jsOffsets(c.rust.offsets, c.rust.sequence_ids, texts), `${msg} offsets`);
      assert.deepEqual(enc.word_ids(), c.rust.word_ids, `${msg} word_ids`);
      assert.deepEqual(enc.sequence_ids(), c.rust.sequence_ids, `${msg} sequence_ids`);
      // Decoding (slow's clean-up rules).
      assert.equal(tok.decode(enc.input_ids), c.slow.decode, `${msg} decode`);
      assert.equal(tok.decode(enc.input_ids, { skip_special_tokens: true }), c.slow.decode_skip_special, `${msg} decode skip`);
      assert.equal(
        tok.decode(enc.input_ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }),
        c.slow.decode_skip_special_no_cleanup,
        `${msg} decode no cleanup`,
      );
      assert.deepEqual(tok.encode(c.text, pair, { add_special_tokens: false }), c.slow.encode_no_special, `${msg} encode_no_special`);
      // Truncation / padding variants.
      for (const [name, want] of Object.entries(c.slow.variants)) {
        const opts = { ...VARIANTS[name], text_pair: pair, return_special_tokens_mask: true };
        assert.ok(VARIANTS[name], `unknown variant ${name}`);
        if ("error" in want) {
          assert.throws(() => tok(c.text, opts), undefined, `${msg} ${name} should fail`);
          continue;
        }
        const silenced = console.error;
        console.error = () => {}; // the slow tokenizer logs impossible only_first/only_second truncations
        let v;
        try {
          v = tok(c.text, opts);
        } finally {
          console.error = silenced;
        }
        assert.deepEqual(v.input_ids, want.input_ids, `${msg} ${name} input_ids`);
        assert.deepEqual(v.token_type_ids, want.token_type_ids, `${msg} ${name} token_type_ids`);
        assert.deepEqual(v.attention_mask, want.attention_mask, `${msg} ${name} attention_mask`);
        assert.deepEqual(v.special_tokens_mask, want.special_tokens_mask, `${msg} ${name} special_tokens_mask`);
      }
    }
  });
}

for (const b of batches) {
  test(`batch ${b.id}`, () => {
    const tok = toks[b.vocab];
    const input = b.texts ?? b.pairs!;
    for (const [name, opts] of Object.entries(BATCH_VARIANTS)) {
      const want = b.slow[name];
      assert.ok(want, `${b.id} has no ${name}`);
      const enc = tok(input, { ...opts, return_special_tokens_mask: true, return_offsets_mapping: true });
      assert.deepEqual(enc.input_ids, want.input_ids, `${b.id} ${name} input_ids`);
      assert.deepEqual(enc.token_type_ids, want.token_type_ids, `${b.id} ${name} token_type_ids`);
      assert.deepEqual(enc.attention_mask, want.attention_mask, `${b.id} ${name} attention_mask`);
      assert.deepEqual(enc.special_tokens_mask, want.special_tokens_mask, `${b.id} ${name} special_tokens_mask`);
      // Text + text_pair arrays give the same as [text, pair] pairs.
      if (b.pairs) {
        const split = tok(b.pairs.map((p) => p[0]), { ...opts, text_pair: b.pairs.map((p) => p[1]) });
        assert.deepEqual(split.input_ids, want.input_ids, `${b.id} ${name} text_pair form`);
      }
      if (!b.agree[name]) continue;
      b.rust[name].forEach((row, i) => {
        const texts = b.texts ? [b.texts[i]] : b.pairs![i];
        assert.deepEqual(enc.tokens(i), row.tokens, `${b.id} ${name} row ${i} tokens`);
        assert.deepEqual(enc.offset_mapping![i], jsOffsets(row.offsets, row.sequence_ids, texts), `${b.id} ${name} row ${i} offsets`);
        assert.deepEqual(enc.word_ids(i), row.word_ids, `${b.id} ${name} row ${i} word_ids`);
        assert.deepEqual(enc.sequence_ids(i), row.sequence_ids, `${b.id} ${name} row ${i} sequence_ids`);
      });
    }
  });
}

// What the transformers 4.31 pipelines fed their models (slow BertTokenizer, loaded from the
// tokenizer_config.json / special_tokens_map.json that save_pretrained wrote).
interface PipelineInput { source: string; vocab: "uncased" | "cased"; text: string; text_pair?: string; input_ids: number[]; token_type_ids: number[]; attention_mask: number[]; special_tokens_mask?: number[] }
const pipelineInputs: PipelineInput[] = JSON.parse(fs.readFileSync(path.join(FIX, "tokenizer/pipeline_inputs.json"), "utf8")).inputs;

test("pipeline goldens: folders saved by transformers 4.31 load through AutoTokenizer and give the same model inputs", async () => {
  const { AutoTokenizer } = await import("../src/tokenizers");
  const loaded: Record<string, BertTokenizer> = {};
  for (const v of ["uncased", "cased"] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bertlab-hf431-${v}-`));
    fs.copyFileSync(path.join(VOCAB[v], "vocab.txt"), path.join(dir, "vocab.txt"));
    for (const f of ["tokenizer_config.json", "special_tokens_map.json"]) fs.copyFileSync(path.join(FIX, `tokenizer/hf431_saved_${v}`, f), path.join(dir, f));
    loaded[v] = await AutoTokenizer.from_pretrained(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(loaded.cased.do_lower_case, false);
  assert.equal(pipelineInputs.length, 15);
  for (const p of pipelineInputs) {
    const enc = loaded[p.vocab](p.text, { text_pair: p.text_pair ?? null, return_special_tokens_mask: true });
    assert.deepEqual(enc.input_ids, p.input_ids, `${p.source} input_ids`);
    assert.deepEqual(enc.token_type_ids, p.token_type_ids, `${p.source} token_type_ids`);
    assert.deepEqual(enc.attention_mask, p.attention_mask, `${p.source} attention_mask`);
    if (p.special_tokens_mask) assert.deepEqual(enc.special_tokens_mask, p.special_tokens_mask, `${p.source} special_tokens_mask`);
  }
});
