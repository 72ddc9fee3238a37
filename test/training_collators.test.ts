import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { tf, ready } from "../src/backend";
import {
  DataCollatorForLanguageModeling, DataCollatorForWholeWordMask, DataCollatorWithPadding, default_data_collator,
} from "../src/training/collators";
import { create_nsp_examples } from "../src/training/nsp";
import { Generator } from "../src/training/rng";
import type { CollatorTokenizer } from "../src/training/data_tokenizer";
import { BertTokenizer } from "../src/tokenizers";

const G = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/optim/mlm_collator.json"), "utf8"));
const MASK = 103;
// bert-base-uncased's special ids: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103
const bertTok: CollatorTokenizer = {
  pad_token_id: 0, mask_token_id: MASK, cls_token_id: 101, sep_token_id: 102, vocab_size: 30522, all_special_ids: [100, 102, 0, 101, 103],
};
// the three golden examples unpadded (what a tokenizer returns per text)
const ORIGINAL: number[][] = G.original_padded_input_ids;
const FEATURES = ORIGINAL.map((row: number[]) => ({ input_ids: row.slice(0, row.indexOf(102) + 1) }));

test("DataCollatorForLanguageModeling pads like tokenizer.pad and never selects special tokens or padding", () => {
  const c = new DataCollatorForLanguageModeling({ tokenizer: bertTok, generator: new Generator(0) });
  const b = c.collate_js(FEATURES);
  assert.deepEqual(b.attention_mask, G.example_torch_manual_seed_0.attention_mask);
  for (let draw = 0; draw < 200; draw++) {
    const batch = c.collate_js(FEATURES);
    const ids = batch.input_ids as number[][];
    const labels = batch.labels as number[][];
    ORIGINAL.forEach((row, i) =>
      row.forEach((orig, j) => {
        if (G.special_tokens_mask[i][j]) {
          assert.equal(labels[i][j], -100);
          assert.equal(ids[i][j], orig);
        } else if (labels[i][j] === -100) assert.equal(ids[i][j], orig, "unselected tokens are untouched");
        else assert.equal(labels[i][j], orig, "labels hold the original id");
      }),
    );
  }
});

test("masking statistics over 3000 batches agree with mlm_collator.json (15% selected; 80/10/10)", () => {
  const c = new DataCollatorForLanguageModeling({ tokenizer: bertTok, generator: new Generator(1) });
  const s = { eligible: 0, masked: 0, to_mask_token: 0, to_random: 0, unchanged: 0, special_or_pad_masked: 0, labels_mismatch: 0 };
  for (let n = 0; n < 3000; n++) {
    const batch = c.collate_js(FEATURES);
    const ids = batch.input_ids as number[][];
    const labels = batch.labels as number[][];
    ORIGINAL.forEach((row, i) =>
      row.forEach((orig, j) => {
        const selected = labels[i][j] !== -100;
        if (G.special_tokens_mask[i][j]) {
          if (selected) s.special_or_pad_masked++;
          return;
        }
        s.eligible++;
        if (!selected) return;
        s.masked++;
        if (labels[i][j] !== orig) s.labels_mismatch++;
        if (ids[i][j] === MASK) s.to_mask_token++;
        else if (ids[i][j] === orig) s.unchanged++;
        else s.to_random++;
      }),
    );
  }
  const gold = G.statistics_3000_batches_seed_1;
  assert.equal(s.eligible, gold.eligible);
  assert.equal(s.special_or_pad_masked, 0);
  assert.equal(s.labels_mismatch, 0);
  // tolerances ≈ 4 standard deviations of each fraction at these counts
  assert.ok(Math.abs(s.masked / s.eligible - gold.masked_fraction) < 0.006, `selected ${s.masked / s.eligible}`);
  assert.ok(Math.abs(s.to_mask_token / s.masked - gold.frac_mask_token) < 0.017, `[MASK] ${s.to_mask_token / s.masked}`);
  assert.ok(Math.abs(s.to_random / s.masked - gold.frac_random) < 0.013, `random ${s.to_random / s.masked}`);
  assert.ok(Math.abs(s.unchanged / s.masked - gold.frac_unchanged) < 0.013, `unchanged ${s.unchanged / s.masked}`);
});

test("same seed → same batch; tensors out; NSP labels and token types pass through; mlm=false gives causal labels", async () => {
  await ready();
  const a = new DataCollatorForLanguageModeling({ tokenizer: bertTok, generator: new Generator(5) }).collate_js(FEATURES);
  const b = new DataCollatorForLanguageModeling({ tokenizer: bertTok, generator: new Generator(5) }).collate_js(FEATURES);
  assert.deepEqual(a, b);
  const c = new DataCollatorForLanguageModeling({ tokenizer: bertTok, generator: new Generator(5), pad_to_multiple_of: 8 });
  const feats = FEATURES.map((f, i) => ({ ...f, token_type_ids: f.input_ids.map(() => 0), next_sentence_label: i % 2 }));
  const before = tf.memory().numTensors;
  const t = c(feats);
  assert.deepEqual(Object.keys(t).sort(), ["attention_mask", "input_ids", "labels", "next_sentence_label", "token_type_ids"]);
  assert.deepEqual(t.input_ids.shape, [3, 24]);
  assert.equal(t.input_ids.dtype, "int32");
  assert.deepEqual(Array.from(t.next_sentence_label.dataSync()), [0, 1, 0]);
  tf.dispose(Object.values(t));
  assert.equal(tf.memory().numTensors, before);
  const causal = new DataCollatorForLanguageModeling({ tokenizer: bertTok, mlm: false }).collate_js(FEATURES);
  assert.deepEqual((causal.labels as number[][])[2], [101, 2460, 102, ...new Array(14).fill(-100)]);
  assert.throws(() => new DataCollatorForLanguageModeling({ tokenizer: { ...bertTok, mask_token_id: null } }), /does not have a mask token/);
  assert.throws(() => c.collate_js([{ input_ids: [1, 2] }, { ids: [3] } as never]), /example 1 has no input_ids array/);
  const padded = new DataCollatorWithPadding({ tokenizer: bertTok }).collate_js([{ input_ids: [101, 7, 102], label: 1 }, { input_ids: [101, 102], label: 0 }]);
  assert.deepEqual(padded, { input_ids: [[101, 7, 102], [101, 102, 0]], attention_mask: [[1, 1, 1], [1, 1, 0]], labels: [1, 0] });
  const stacked = default_data_collator([{ input_ids: [1, 2], label: 0.5 }, { input_ids: [3, 4], label: 1.5 }]);
  assert.equal(stacked.labels.dtype, "float32");
  tf.dispose(Object.values(stacked));
});

// a word-piece vocabulary small enough to read: words and ## continuation pieces
const VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "un", "##believ", "##able", "fox", "jump", "##ed", "over", "lazy", "dog", "##s", "play", "##ing", "far", "away"];
const wwmTok: CollatorTokenizer = {
  pad_token_id: 0, mask_token_id: 4, cls_token_id: 2, sep_token_id: 3, vocab_size: VOCAB.length, all_special_ids: [0, 1, 2, 3, 4],
  convert_ids_to_tokens: (ids) => ids.map((i) => VOCAB[i]),
};

test("DataCollatorForWholeWordMask masks every piece of a chosen word or none of it", () => {
  const sentence = [2, 5, 6, 7, 8, 9, 10, 11, 12, 5, 13, 14, 15, 16, 17, 18, 19, 6, 7, 8, 3]; // 21 tokens → round(3.15) = 3 per example
  const c = new DataCollatorForWholeWordMask({ tokenizer: wwmTok, generator: new Generator(11) });
  const words: number[][] = [];
  sentence.forEach((id, i) => {
    if (id === 2 || id === 3) return;
    if (VOCAB[id].startsWith("##")) words[words.length - 1].push(i);
    else words.push([i]);
  });
  let total = 0;
  for (let n = 0; n < 300; n++) {
    const b = c.collate_js([{ input_ids: sentence }, { input_ids: sentence.slice(0, 9).concat([3]) }]);
    const labels = (b.labels as number[][])[0];
    for (const w of words) {
      const sel = w.map((i) => labels[i] !== -100);
      assert.ok(sel.every((x) => x === sel[0]), `word at ${w} is masked whole or not at all (${sel})`);
    }
    const count = labels.filter((l) => l !== -100).length;
    assert.ok(count >= 1 && count <= 3, `1..3 tokens chosen, got ${count}`);
    total += count;
    assert.equal(labels[0], -100);
    assert.equal(labels[20], -100);
    assert.deepEqual((b.attention_mask as number[][])[1], [...new Array(10).fill(1), ...new Array(11).fill(0)]);
  }
  assert.ok(total / 300 > 2.3, `usually exactly 3 tokens (mean ${total / 300})`);
  assert.deepEqual(c.whole_word_mask(["[CLS]", "a", "[SEP]"]), [0, 1, 0], "at least one token is predicted");
});

test("NSP pairs: [CLS] A [SEP] B [SEP], token types, about half random, B from another document when labelled 1", () => {
  // doc k holds tokens 1000k.. so the source of every token is visible
  const docs = Array.from({ length: 6 }, (_, k) => Array.from({ length: 40 }, (_, s) => Array.from({ length: 3 + ((s * 7 + k) % 5) }, (_, t) => 1000 * (k + 1) + s * 10 + t)));
  const examples = create_nsp_examples(docs, { tokenizer: bertTok, block_size: 32, generator: new Generator(2) });
  assert.ok(examples.length > 20);
  const doc = (id: number) => Math.floor(id / 1000);
  let random = 0;
  for (const ex of examples) {
    const ids = ex.input_ids;
    assert.ok(ids.length <= 32);
    assert.equal(ids[0], 101);
    assert.equal(ids[ids.length - 1], 102);
    const sep = ids.indexOf(102);
    const a = ids.slice(1, sep);
    const b = ids.slice(sep + 1, -1);
    assert.ok(a.length >= 1 && b.length >= 1);
    assert.deepEqual(ex.token_type_ids, [...new Array(a.length + 2).fill(0), ...new Array(b.length + 1).fill(1)]);
    assert.ok(a.every((x) => doc(x) === doc(a[0])), "A comes from one document");
    if (ex.next_sentence_label === 0) {
      assert.ok(b.every((x) => doc(x) === doc(a[0])), "IsNext: B from the same document");
      assert.ok(b[0] > a[a.length - 1], "IsNext: B comes after A");
    } else {
      random++;
      assert.ok(b.every((x) => doc(x) !== doc(a[0])), "NotNext: B from another document");
    }
  }
  const frac = random / examples.length;
  assert.ok(frac > 0.3 && frac < 0.75, `random fraction ${frac}`);
  // the collator pads them into a BertForPreTraining batch
  const batch = new DataCollatorForLanguageModeling({ tokenizer: bertTok, generator: new Generator(3) }).collate_js(examples.slice(0, 4));
  assert.deepEqual(Object.keys(batch).sort(), ["attention_mask", "input_ids", "labels", "next_sentence_label", "token_type_ids"]);
  assert.throws(() => create_nsp_examples([docs[0]], { tokenizer: bertTok, block_size: 32 }), /need at least 2 documents/);
});

test("with bertlab's real BertTokenizer (bert-base-uncased): the golden texts, padding and masking rules", async () => {
  const tok = await BertTokenizer.from_pretrained(path.join(__dirname, "fixtures/vocab/bert-base-uncased"));
  const features = (G.texts as string[]).map((t) => ({ input_ids: tok.encode(t) }));
  const c = new DataCollatorForLanguageModeling({ tokenizer: tok, generator: new Generator(9) });
  let selected = 0;
  for (let n = 0; n < 300; n++) {
    const b = c.collate_js(features);
    assert.deepEqual(b.attention_mask, G.example_torch_manual_seed_0.attention_mask);
    const labels = b.labels as number[][];
    ORIGINAL.forEach((row, i) =>
      row.forEach((orig, j) => {
        if (labels[i][j] === -100) return;
        assert.equal(G.special_tokens_mask[i][j], 0, "special tokens and padding are never selected");
        assert.equal(labels[i][j], orig);
        selected++;
      }),
    );
  }
  assert.ok(Math.abs(selected / (300 * 22) - 0.15) < 0.02, `selected ${selected / 6600}`);
  // whole-word masking on a word the vocabulary splits: "hellp" → hel ##lp
  const wwm = new DataCollatorForWholeWordMask({ tokenizer: tok, generator: new Generator(4), mlm_probability: 0.5 });
  const ids = tok.encode("Hellp, my dog is cute");
  const pieces = tok.convert_ids_to_tokens(ids);
  const cont = pieces.findIndex((p) => p.startsWith("##"));
  assert.ok(cont > 1, `a ## piece in ${pieces}`);
  for (let n = 0; n < 50; n++) {
    const labels = (wwm.collate_js([{ input_ids: ids }]).labels as number[][])[0];
    assert.equal(labels[cont] === -100, labels[cont - 1] === -100, `${pieces[cont - 1]} ${pieces[cont]} masked together`);
  }
  // NSP pairs straight from text documents (the tokenizer's encode without special tokens)
  const docs = [
    ["The quick brown fox jumps over the lazy dog.", "It keeps running far away.", "Nobody catches it."],
    ["Hello, my dog is cute.", "He likes to play fetch.", "We go to the park every day."],
  ];
  const pairs = create_nsp_examples(docs, { tokenizer: tok, block_size: 24, generator: new Generator(1) });
  assert.ok(pairs.length >= 2);
  for (const p of pairs) {
    const text = tok.decode(p.input_ids);
    assert.match(text, /^\[CLS\] .+ \[SEP\] .+ \[SEP\]$/);
    assert.ok(p.input_ids.length <= 24);
  }
});
