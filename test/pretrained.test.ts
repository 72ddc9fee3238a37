// The mini-BERT bertlab ships (models/mini-bert-uncased) and the script that pretrains it:
// it loads by id with every weight used, tokenizes like bert-base-uncased, beats the unigram baseline
// on held-out addresses, stores float16 weights, and the training function itself runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { floatToHalf, halfToFloat, readSafetensors } from "../src/hub/safetensors";
import { BertConfig, BertForPreTraining } from "../src/models";
import { clear_linear_cache } from "../src/ops";
import { onnx_available } from "../src/engines";
import { BertTokenizer } from "../src/tokenizers";
import { create_nsp_examples, Generator } from "../src/training";
import { sotu_documents } from "../scripts/corpus";
import {
  evaluate, heldout_batches, most_frequent_token, neighbour_attention, PairStream, plateau_note, pretrain, save_checkpoint, sinusoidal_positions, tokenize_documents, MINI_BERT_CONFIG,
} from "../scripts/pretrain-mini-bert";

const ID = "bertlab/mini-bert-uncased";
const DIR = path.join(__dirname, "..", "models", "mini-bert-uncased");
const VOCAB_DIR = path.join(__dirname, "fixtures", "vocab", "bert-base-uncased");
const offline = { local_files_only: true };

/** The raw safetensors header: name → { dtype, shape }. */
function header(file: string): Record<string, { dtype: string; shape: number[] }> {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const h = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  delete h.__metadata__;
  return h;
}

test("bertlab/mini-bert-uncased loads with BertForPreTraining.from_pretrained: no missing or unexpected weights, F16 on disk", async () => {
  await ready();
  const [model, info] = await BertForPreTraining.from_pretrained(ID, { ...offline, output_loading_info: true, quiet: true });
  assert.deepEqual(info, { missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
  const config = JSON.parse(fs.readFileSync(path.join(DIR, "config.json"), "utf8"));
  assert.deepEqual(config.architectures, ["BertForPreTraining"]);
  assert.equal(config.vocab_size, 30522);
  assert.equal(config.torch_dtype, "float16");
  assert.equal(model.config.hidden_size, MINI_BERT_CONFIG.hidden_size);
  // as transformers writes it: the tied decoder weight / bias are not stored; every float is F16
  const h = header(path.join(DIR, "model.safetensors"));
  assert.ok(!("cls.predictions.decoder.weight" in h) && !("cls.predictions.decoder.bias" in h));
  assert.deepEqual(Object.keys(h).sort(), model.named_parameters().map(([n]) => n).filter((n) => !n.startsWith("cls.predictions.decoder")).sort());
  for (const [name, e] of Object.entries(h)) assert.equal(e.dtype, "F16", name);
  // the same tensor names transformers 4.31 wrote for a 2-layer BertForPreTraining (golden fixture)
  // plus, with relative_key_query positions, each layer's distance_embedding under the name transformers gives it
  // (its relative_key_query golden BertModel, without the "bert." prefix)
  const upstream = header(path.join(__dirname, "fixtures", "models", "pretraining", "model.safetensors"));
  assert.equal(config.num_hidden_layers, 2);
  assert.equal(config.position_embedding_type, "relative_key_query");
  const relative = Object.keys(header(path.join(__dirname, "fixtures", "models", "bert_model_relative_key_query", "model.safetensors"))).filter((k) => k.includes("distance_embedding"));
  assert.deepEqual(relative.sort(), ["encoder.layer.0.attention.self.distance_embedding.weight", "encoder.layer.1.attention.self.distance_embedding.weight"]);
  assert.deepEqual(Object.keys(h).sort(), [...Object.keys(upstream), ...relative.map((k) => `bert.${k}`)].sort());
  assert.deepEqual(readSafetensors(path.join(DIR, "model.safetensors")).metadata, { format: "pt" });
  // the loaded variables are exactly the stored half values
  const stored = readSafetensors(path.join(DIR, "model.safetensors")).tensors;
  const emb = model.get_parameter("bert.embeddings.word_embeddings.weight").dataSync();
  const want = stored.get("bert.embeddings.word_embeddings.weight")!.data;
  assert.equal(emb.length, 30522 * config.hidden_size);
  for (let i = 0; i < emb.length; i += 97) {
    assert.equal(emb[i], want[i]);
    assert.equal(halfToFloat(floatToHalf(emb[i])), emb[i]);
  }
  assert.equal(model.get_parameter("cls.predictions.decoder.weight"), model.get_parameter("bert.embeddings.word_embeddings.weight"));
  model.dispose();
});

test("its tokenizer is bert-base-uncased's: the seed pair and 'Hellp, my dog is cute' give the seed's ids", async () => {
  const vocab = fs.readFileSync(path.join(DIR, "vocab.txt"));
  assert.equal(crypto.createHash("md5").update(vocab).digest("hex"), "64800d5d8528ce344256daf115d4965e");
  const tok = await BertTokenizer.from_pretrained(ID, offline);
  const pair = tok("Hello, my dog is cute. ", { text_pair: "I like it" });
  assert.deepEqual(pair.input_ids, [101, 7592, 1010, 2026, 3899, 2003, 10140, 1012, 102, 1045, 2066, 2009, 102]);
  assert.deepEqual(pair.token_type_ids, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(pair.attention_mask, new Array(13).fill(1));
  assert.deepEqual(tok("Hellp, my dog is cute").input_ids, [101, 3109, 2361, 1010, 2026, 3899, 2003, 10140, 102]);
  assert.equal(tok.model_max_length, 128);
});

test("on held-out addresses its MLM accuracy beats the unigram baseline, NSP is computed against 50%", async () => {
  await ready();
  const model = await BertForPreTraining.from_pretrained(ID, { ...offline, quiet: true });
  const tok = await BertTokenizer.from_pretrained(ID, offline);
  const { train, heldout } = sotu_documents();
  // the unigram baseline's token from a sample of the training addresses (the full corpus gives 'the' too)
  const unigram = most_frequent_token(tokenize_documents(tok, train.slice(0, 20)), tok.all_special_ids);
  assert.equal(tok.convert_ids_to_tokens(unigram), "the");
  const batches = heldout_batches(tok, tokenize_documents(tok, heldout.slice(0, 4)), 48, 16, 128);
  clear_linear_cache();
  const before = tf.memory().numTensors;
  const r = evaluate(model, batches, unigram, "the", tok.mask_token_id!);
  clear_linear_cache(); // the ops' cache of transposed weights
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.examples, 48);
  assert.ok(r.masked_tokens > 400, `${r.masked_tokens} masked tokens`);
  console.log(`held-out MLM accuracy ${(100 * r.mlm_accuracy).toFixed(1)}% vs unigram ${(100 * r.unigram_accuracy).toFixed(1)}%; NSP ${(100 * r.nsp_accuracy).toFixed(1)}% (majority ${(100 * r.nsp_majority_rate).toFixed(1)}%)`);
  assert.ok(r.unigram_accuracy > 0.03 && r.unigram_accuracy < 0.12, `unigram ${r.unigram_accuracy}`);
  assert.ok(r.mlm_accuracy > r.unigram_accuracy + 0.05, `MLM accuracy ${r.mlm_accuracy} vs unigram ${r.unigram_accuracy}`);
  assert.ok(r.mlm_loss < Math.log(30522) - 2, `MLM loss ${r.mlm_loss}`);
  assert.ok(r.nsp_accuracy >= 0 && r.nsp_accuracy <= 1);
  // BERT's 80 / 10 / 10 split of the masked positions, and the accuracy per kind adds up to the whole
  const k = r.mlm_by_input;
  assert.equal(k.mask.tokens + k.unchanged.tokens + k.random.tokens, r.masked_tokens);
  assert.ok(k.mask.tokens / r.masked_tokens > 0.7 && k.mask.tokens / r.masked_tokens < 0.9, JSON.stringify(k));
  const hits = k.mask.tokens * k.mask.accuracy + k.unchanged.tokens * k.unchanged.accuracy + k.random.tokens * k.random.accuracy;
  assert.ok(Math.abs(hits / r.masked_tokens - r.mlm_accuracy) < 1e-9);
  assert.ok(r.unigram_on_mask > 0.03 && r.unigram_on_mask < 0.12, `unigram on [MASK] ${r.unigram_on_mask}`);
  model.dispose();
});

test("save_checkpoint writes F16 weights that load back within float16 rounding, plus the tokenizer files", async () => {
  await ready();
  const tok = await BertTokenizer.from_pretrained(VOCAB_DIR);
  const model = new BertForPreTraining({ vocab_size: 30522, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 });
  model.init_weights(3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-f16-"));
  save_checkpoint(model, tok, dir);
  for (const f of ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]) assert.ok(fs.existsSync(path.join(dir, f)), f);
  const f32Bytes = 4 * model.num_parameters();
  assert.ok(fs.statSync(path.join(dir, "model.safetensors")).size < 0.51 * f32Bytes + 4096);
  const [back, info] = await BertForPreTraining.from_pretrained(dir, { output_loading_info: true, quiet: true });
  assert.deepEqual(info.missing_keys, []);
  assert.deepEqual(info.unexpected_keys, []);
  let worst = 0;
  let changed = 0;
  for (const [name, v] of model.named_parameters()) {
    const a = v.dataSync();
    const b = back.get_parameter(name).dataSync();
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i] - b[i]);
      if (err > 0) changed++;
      // half precision: relative error ≤ 2^-11 for normal values, absolute ≤ 2^-25 below 2^-14
      assert.ok(err <= Math.max(Math.abs(a[i]) * 2 ** -11, 2 ** -25), `${name}[${i}]: ${a[i]} → ${b[i]}`);
      worst = Math.max(worst, err / Math.max(Math.abs(a[i]), 2 ** -14));
    }
  }
  assert.ok(changed > 0 && worst > 0, "weights were rounded to half precision");
  model.dispose();
  back.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a 2-step run of the pretraining function: finite MLM + NSP loss, HF files and log_history, same numbers again with the same seed", async () => {
  await ready();
  clear_linear_cache();
  const before = tf.memory().numTensors;
  const run = async (out: string) => {
    const r = await pretrain({
      steps: 2, out, seed: 7, batch_size: 4, block_size: 32, max_documents: 3, logging_steps: 1, eval_steps: 0, save_steps: 0,
      eval_examples: 4, final_eval_examples: 8, quiet: true, vocab_dir: VOCAB_DIR,
      config: { ...MINI_BERT_CONFIG, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 },
    });
    r.model.dispose();
    return r;
  };
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-pretrain-")));
  const a = await run(dirs[0]);
  const losses = a.log_history.filter((e) => "loss" in e);
  assert.equal(losses.length, 2);
  for (const e of losses) {
    assert.ok(Number.isFinite(e.loss) && Number.isFinite(e.mlm_loss) && Number.isFinite(e.nsp_loss), JSON.stringify(e));
    // an untrained model: MLM ≈ ln(30522) = 10.3, NSP ≈ ln 2
    assert.ok(Math.abs(Number(e.mlm_loss) - Math.log(30522)) < 0.5 && Math.abs(Number(e.nsp_loss) - Math.log(2)) < 0.3, JSON.stringify(e));
    assert.ok(Math.abs(Number(e.loss) - Number(e.mlm_loss) - Number(e.nsp_loss)) < 1e-4);
  }
  assert.equal(losses[0].learning_rate, 0); // linear warmup starts at 0
  for (const f of ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "trainer_state.json", "eval_results.json", "README.md"]) {
    assert.ok(fs.existsSync(path.join(dirs[0], f)), f);
  }
  const state = JSON.parse(fs.readFileSync(path.join(dirs[0], "trainer_state.json"), "utf8"));
  assert.equal(state.global_step, 2);
  assert.deepEqual(state.log_history.filter((e: { loss?: number }) => "loss" in e).map((e: { loss: number }) => e.loss), losses.map((e) => e.loss));
  const results = JSON.parse(fs.readFileSync(path.join(dirs[0], "eval_results.json"), "utf8"));
  assert.equal(results.steps, 2);
  assert.equal(results.unigram_token, a.final_eval!.unigram_token);
  assert.ok(results.examples > 0 && results.examples <= 8 && results.masked_tokens > 0);
  assert.match(fs.readFileSync(path.join(dirs[0], "README.md"), "utf8"), /\*\*2 steps\*\*/);
  const b = await run(dirs[1]);
  assert.deepEqual(b.log_history.filter((e) => "loss" in e).map((e) => [e.loss, e.grad_norm]), losses.map((e) => [e.loss, e.grad_norm]));
  clear_linear_cache(); // the ops' cache of transposed weights (tensors of the disposed models)
  assert.equal(tf.memory().numTensors - before, 0, "no tensors left after the run and model.dispose()");
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test("the pretraining function on the ONNX train graph (--engine onnx): with dropout off, the same losses and gradient norms as on tfjs", { skip: onnx_available() ? false : "onnxruntime-node is not installed" }, async () => {
  await ready();
  const run = async (engine: "tfjs" | "onnx") => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-pretrain-onnx-"));
    const r = await pretrain({
      steps: 3, out, seed: 7, batch_size: 4, block_size: 32, max_documents: 3, logging_steps: 1, eval_steps: 0, save_steps: 0, learning_rate: 5e-3,
      eval_examples: 4, final_eval_examples: 8, quiet: true, vocab_dir: VOCAB_DIR, engine, write_card: false,
      config: { ...MINI_BERT_CONFIG, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 },
    });
    r.model.dispose();
    fs.rmSync(out, { recursive: true, force: true });
    return r;
  };
  const a = await run("tfjs");
  const b = await run("onnx");
  const rows = (r: typeof a) => r.log_history.filter((e) => "loss" in e);
  assert.equal(rows(b).length, 3);
  rows(b).forEach((e, i) => {
    const t = rows(a)[i];
    for (const k of ["loss", "mlm_loss", "nsp_loss", "grad_norm"]) assert.ok(Math.abs(Number(e[k]) - Number(t[k])) < 1e-4 * Math.max(1, Math.abs(Number(t[k]))), `step ${i + 1} ${k}: onnx ${e[k]} vs tfjs ${t[k]}`);
    assert.equal(e.mlm_accuracy, t.mlm_accuracy);
  });
  assert.ok(Math.abs(b.final_eval!.mlm_loss - a.final_eval!.mlm_loss) < 1e-3, "the final evaluation runs on the synced weights");
});

test("--position-init sinusoidal: the sin/cos table at the init's scale is the start of the learned position embeddings, and the card says so", async () => {
  const t = sinusoidal_positions(32, 16, 0.02);
  let sq = 0;
  for (const v of t) sq += v * v;
  assert.ok(Math.abs(Math.sqrt(sq / t.length) - 0.02) < 1e-9);
  // position 0: sin 0 = 0 in the even columns, cos 0 = max in the odd ones; column 0 of position p is sin(p) · scale
  const scale = t[1];
  for (let i = 0; i < 16; i += 2) assert.equal(t[i], 0);
  for (let p = 0; p < 32; p++) assert.ok(Math.abs(t[p * 16] - scale * Math.sin(p)) < 1e-7);
  await ready();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-pretrain-sin-"));
  const r = await pretrain({
    steps: 1, out, seed: 7, batch_size: 2, block_size: 32, max_documents: 2, logging_steps: 1, eval_steps: 0, save_steps: 0,
    eval_examples: 2, final_eval_examples: 2, quiet: true, vocab_dir: VOCAB_DIR, position_init: "sinusoidal",
    config: { ...MINI_BERT_CONFIG, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 },
  });
  // step 1 of the warmup has lr 0: the saved (F16) embeddings are the table
  const saved = readSafetensors(path.join(out, "model.safetensors")).tensors.get("bert.embeddings.position_embeddings.weight")!;
  const got = saved.data as Float32Array;
  for (let i = 0; i < t.length; i++) assert.ok(Math.abs(got[i] - t[i]) <= Math.abs(t[i]) * 2 ** -10 + 2 ** -24, `${i}: ${got[i]} vs ${t[i]}`);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, "trainer_state.json"), "utf8")).position_init, "sinusoidal");
  assert.match(fs.readFileSync(path.join(out, "README.md"), "utf8"), /--position-init sinusoidal/);
  r.model.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});

test("sequence-length warmup: the first short_block_steps steps pair short blocks, then the stream re-pairs at block_size; epochs count passes at each length", async () => {
  const tok = await BertTokenizer.from_pretrained(VOCAB_DIR, { model_max_length: Number.MAX_SAFE_INTEGER });
  const docs = tokenize_documents(tok, sotu_documents().train.slice(0, 3));
  const o = { batch_size: 4, block_size: 64, short_block_size: 16, short_block_steps: 5 };
  const said: string[] = [];
  const stream = new PairStream(docs, tok, new Generator(3), o, (m) => said.push(m));
  const lengths = (step: number) => stream.next(step).map((e) => e.input_ids.length);
  for (let step = 1; step <= 5; step++) {
    const l = lengths(step);
    assert.equal(l.length, 4);
    assert.ok(Math.max(...l) <= 16 && Math.max(...l) > 8, `step ${step}: lengths ${l}`);
  }
  const short_epochs = stream.epochs;
  const l6 = lengths(6);
  assert.ok(Math.max(...l6) > 16 && Math.max(...l6) <= 64, `step 6: lengths ${l6}`);
  assert.deepEqual(said, ["step 6: the sequence-length warmup ends; pairing blocks of 64 tokens"]);
  // 5 short batches of 4 are 20 of the first pairing's examples (the same generator draws it again here)
  const short_pairs = create_nsp_examples(docs, { tokenizer: tok, block_size: 16, generator: new Generator(3) }).length;
  assert.ok(short_pairs > 20);
  assert.ok(Math.abs(short_epochs - 20 / short_pairs) < 1e-12, `short epochs ${short_epochs} vs ${20 / short_pairs}`);
  // the long pairing has fewer, longer examples: one batch of 4 is a larger share of an epoch than a short one
  assert.ok(stream.epochs - short_epochs > 4 / short_pairs);
  // off (0 steps): every batch is paired at block_size, as before the option existed
  const plain = new PairStream(docs, tok, new Generator(3), { ...o, short_block_steps: 0 });
  assert.equal(plain.block_size_at(1), 64);
  assert.ok(Math.max(...plain.next(1).map((e) => e.input_ids.length)) > 16);
});

test("neighbour_attention: uniform heads give exactly the uniform rate; a random model's numbers are the mean attention on i ± 1 over non-padding queries", async () => {
  await ready();
  const tok = await BertTokenizer.from_pretrained(VOCAB_DIR, { model_max_length: Number.MAX_SAFE_INTEGER });
  const docs = tokenize_documents(tok, sotu_documents().heldout.slice(0, 2));
  const batches = heldout_batches(tok, docs, 6, 3, 24);
  const b0 = batches[0], S = b0.input_ids[0].length; // a padded row, as a shorter block gives
  for (let k = S - 5; k < S; k++) [b0.input_ids[0][k], b0.token_type_ids[0][k], b0.attention_mask[0][k]] = [0, 0, 0];
  const config = { ...MINI_BERT_CONFIG, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 };
  const model = new BertForPreTraining(new BertConfig(config));
  model.eval(); // dropout off, as neighbour_attention measures
  // by hand: the attention probabilities of every head, averaged over non-padding queries
  const want = [[0, 0], [0, 0]];
  let queries = 0, uniform = 0;
  for (const b of batches) {
    const out = model.bert.forward({ input_ids: b.input_ids, token_type_ids: b.token_type_ids, attention_mask: b.attention_mask, output_attentions: true } as any);
    const A = out.attentions!.map((a) => a.arraySync() as number[][][][]);
    b.attention_mask.forEach((row, i) => {
      const len = row.reduce((x, y) => x + y, 0);
      row.forEach((mi, q) => {
        if (!mi) return;
        queries++;
        const nb = [q - 1, q + 1].filter((k) => k >= 0 && k < row.length && row[k]);
        uniform += nb.length / len;
        A.forEach((layer, l) => layer[i].forEach((head, h) => { for (const k of nb) want[l][h] += head[q][k]; }));
      });
    });
    tf.dispose(Object.values(out).flat().filter((t): t is tf.Tensor => t instanceof tf.Tensor));
  }
  clear_linear_cache();
  const before = tf.memory().numTensors;
  const got = neighbour_attention(model, batches);
  clear_linear_cache(); // the ops' cache of transposed weights
  assert.equal(tf.memory().numTensors - before, 0, "no tensor leaks");
  assert.equal(got.queries, queries);
  assert.ok(Math.abs(got.uniform - uniform / queries) < 1e-6, `uniform ${got.uniform} vs ${uniform / queries}`);
  got.per_head.forEach((l, li) => l.forEach((v, h) => assert.ok(Math.abs(v - want[li][h] / queries) < 1e-5, `layer ${li} head ${h}: ${v} vs ${want[li][h] / queries}`)));
  // zero queries and keys: every head is uniform over the non-padding keys, so it equals the uniform rate
  for (const [name, v] of model.named_parameters()) if (/attention\.self\.(query|key)\./.test(name)) tf.tidy(() => (v as tf.Variable).assign(tf.zerosLike(v)));
  const flat = neighbour_attention(model, batches);
  for (const v of flat.per_head.flat()) assert.ok(Math.abs(v - flat.uniform) < 1e-6, `${v} vs ${flat.uniform}`);
  // the card's note quotes the best head beside the uniform rate
  const note = plateau_note({ mlm_by_input: { mask: { tokens: 10, accuracy: 0.07 }, unchanged: { tokens: 1, accuracy: 1 }, random: { tokens: 1, accuracy: 0 } }, unigram_on_mask: 0.07, unigram_token: "the", nsp_accuracy: 0.5, nsp_majority_rate: 0.5, neighbour_attention: { per_head: [[0.02, 0.031]], uniform: 0.016, queries: 5 } } as any);
  assert.match(note, /the best puts 3\.1% of a query's attention on positions i ± 1, against 1\.6% for uniform attention/);
  model.dispose();
});
