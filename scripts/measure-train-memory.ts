// Peak memory of one training step (forward + backward + AdamW update, the documented
// `optimizer.step(() => model(batch).loss)` loop) per head, config and shape, on the tfjs backends of this machine:
// tf.profile's peakBytes (the largest total after a kernel; on cpu the engine's counter) above what was held before the step, the bytes the step left held (AdamW moments,
// optimizer.grads), and on wasm the heap growth. Each case runs in its own process (a wasm heap never shrinks).
// The numbers calibrate training_step_peak_bytes in src/models/bert/memory.ts.
//   node --import tsx scripts/measure-train-memory.ts                        # the table (wasm and cpu)
//   node --import tsx scripts/measure-train-memory.ts --backends wasm --json out.json
//   node --import tsx scripts/measure-train-memory.ts --table out.json         # a saved run, with the current estimate
import { spawnSync } from "child_process";
import * as fs from "fs";
import { tf } from "../src/backend";
import type { SizedConfig } from "../src/models/bert/memory";

/** `labelled`: MLM positions with a label (all by default); with `masked_lm_loss` the vocabulary logits are computed for those only. */
interface Case { backend: string; arch: string; config: string; batch: number; seq: number; labelled?: number; masked_lm_loss?: boolean }

const CONFIGS: Record<string, Record<string, number>> = {
  // models/mini-bert-uncased
  mini: { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, vocab_size: 30522 },
  // a deeper / wider model, with a small vocabulary (separates the encoder term from the vocabulary term)
  small: { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, vocab_size: 1000 },
};

const ARCHS = ["BertForSequenceClassification", "BertForTokenClassification", "BertForQuestionAnswering", "BertForMaskedLM", "BertForPreTraining"];

async function child(c: Case): Promise<Record<string, number | string | boolean>> {
  const src = await import("../src");
  const { ready, BertConfig, AdamW, set_memory_budget, masked_lm_loss } = src;
  const { training_step_peak_bytes, forward_peak_bytes } = await import("../src/models/bert/memory");
  await ready();
  set_memory_budget(1e15); // measure, never refuse
  const Arch = (src as unknown as Record<string, new (c: unknown) => any>)[c.arch];
  const config = new BertConfig({ ...CONFIGS[c.config], max_position_embeddings: 512, num_labels: c.arch === "BertForTokenClassification" ? 9 : 2 });
  const model = new Arch(config).init_weights(0);
  model.engine = "tfjs";
  model.train();
  const { batch: b, seq: s } = c;
  const V = config.vocab_size;
  const ids = tf.tensor2d(Array.from({ length: b * s }, (_, i) => 1 + ((i * 7919) % (V - 1))), [b, s], "int32");
  const mask = tf.ones([b, s], "int32");
  const inputs: Record<string, tf.Tensor> = { input_ids: ids, attention_mask: mask };
  const labelled = c.labelled ?? b * s;
  if (c.arch === "BertForSequenceClassification") inputs.labels = tf.tensor1d(Array.from({ length: b }, (_, i) => i % 2), "int32");
  if (c.arch === "BertForTokenClassification") inputs.labels = tf.tensor2d(Array.from({ length: b * s }, (_, i) => i % 9), [b, s], "int32");
  if (c.arch === "BertForQuestionAnswering") {
    inputs.start_positions = tf.tensor1d(Array.from({ length: b }, (_, i) => i % s), "int32");
    inputs.end_positions = tf.tensor1d(Array.from({ length: b }, (_, i) => (i + 3) % s), "int32");
  }
  if (/MaskedLM|PreTraining/.test(c.arch)) {
    const every = Math.max(1, Math.round((b * s) / labelled));
    inputs.labels = tf.tensor2d(Array.from({ length: b * s }, (_, i) => (i % every === 0 ? 1 + ((i * 31) % (V - 1)) : -100)), [b, s], "int32");
  }
  if (c.arch === "BertForPreTraining") inputs.next_sentence_label = tf.tensor1d(Array.from({ length: b }, (_, i) => i % 2), "int32");
  const optimizer = new AdamW({ params: model.parameters(), lr: 1e-4 });
  const heap = () => (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length ?? 0;
  const params = model.num_parameters() as number;
  // On cpu, tf.profile reads back every kernel's output (its NaN check), which takes minutes and GBs per step; there
  // the peak comes from the engine's own counter, sampled at every new tensor (the same bytes tf.profile sums).
  const engine = tf.engine() as unknown as { state: { numBytes: number }; trackTensor: (...a: unknown[]) => void };
  let tracked = 0;
  const track = engine.trackTensor.bind(engine);
  engine.trackTensor = (...a: unknown[]) => {
    track(...a);
    tracked = Math.max(tracked, engine.state.numBytes);
  };
  const measure = async (f: () => tf.Tensor | void): Promise<{ peakBytes: number; result: tf.Tensor | void }> => {
    if (c.backend !== "cpu") {
      const p = await tf.profile(f as () => tf.Tensor);
      return { peakBytes: p.peakBytes, result: p.result as tf.Tensor }; // read now: tf.profile returns the same object each call
    }
    tracked = engine.state.numBytes;
    const result = f();
    return { peakBytes: tracked, result };
  };
  // one step = zero_grad + compute_gradients (forward + backward) + the update, measured apart to see which peaks
  const step = async () => {
    const held = tf.memory().numBytes;
    const heap0 = heap();
    const t0 = Date.now();
    optimizer.zero_grad();
    const back = await measure(() => optimizer.compute_gradients(() => (c.masked_lm_loss ? masked_lm_loss(model, inputs) : model(inputs).loss)).loss as tf.Tensor);
    const peak_backward = back.peakBytes - held;
    const loss = (back.result as tf.Tensor).dataSync()[0];
    const update = await measure(() => optimizer.step());
    const peak_update = update.peakBytes - held;
    return { peak: Math.max(peak_backward, peak_update), peak_backward, peak_update, kept: tf.memory().numBytes - held, heap_growth: heap() - heap0, heap: heap(), ms: Date.now() - t0, loss };
  };
  const first = await step();
  const second = await step();
  const sized = { ...CONFIGS[c.config], vocab_size: V } as unknown as SizedConfig;
  const estimate = training_step_peak_bytes(sized, c.arch, { batch: b, seq: s, vocab_positions: c.masked_lm_loss ? labelled : undefined, parameters: params, optimizer_state: false, backend: c.backend });
  return {
    ...c, params,
    first_peak: first.peak, first_backward: first.peak_backward, first_update: first.peak_update, first_kept: first.kept, second_peak: second.peak,
    heap_growth_first: first.heap_growth, heap_growth_second: second.heap_growth, heap_end: second.heap,
    eval_forward_estimate: forward_peak_bytes(sized, c.arch, { batch: b, seq: s }),
    estimate, ratio: first.peak / estimate, ms: first.ms, loss: first.loss,
  };
}

function cases(backends: string[]): Case[] {
  const out: Case[] = [];
  for (const backend of backends) {
    const heavy = backend === "cpu"; // ~1 GFLOP/s: fewer and smaller shapes
    for (const arch of ARCHS) {
      const shapes: Array<[string, number, number]> = heavy
        ? [["small", 4, 64]] // mini's 30,522-row embedding gradient (UnsortedSegmentSum) loops over every row on cpu: > 15 min a step here
        : [["mini", 8, 64], ["mini", 8, 128], ["mini", 32, 64], ["mini", 4, 256], ["small", 8, 128], ["small", 4, 256]];
      for (const [config, batch, seq] of shapes) out.push({ backend, arch, config, batch, seq });
    }
    // MLM through masked_lm_loss: logits for the 15% labelled positions only (the pretraining script's / notebook 04's path)
    const mlm: Array<[number, number]> = heavy ? [] : [[8, 64], [8, 128], [32, 64], [32, 128]];
    for (const [batch, seq] of mlm) out.push({ backend, arch: "BertForMaskedLM", config: "mini", batch, seq, labelled: Math.round(0.15 * batch * seq), masked_lm_loss: true });
    if (!heavy) out.push({ backend, arch: "BertForMaskedLM", config: "mini", batch: 32, seq: 128 }); // every position labelled: over wasm's 4 GB
  }
  return out;
}

const mb = (n: number | string | boolean) => (Number(n) / 1024 ** 2).toFixed(1);

function print_header(): void {
  console.log("| backend | head | config | b × s | step peak (MB) | forward+backward / update peak | kept after step 1 | 2nd step peak | wasm heap growth (1st / 2nd step) | estimate (MB) | peak / estimate |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
}

function print_row(c: Case, row: Record<string, number | string | boolean>): void {
  const heap = c.backend === "wasm" ? `${mb(row.heap_growth_first)} / ${mb(row.heap_growth_second)}` : "—";
  console.log(`| ${c.backend} | ${c.arch.replace(/^Bert(For)?/, "")}${c.masked_lm_loss ? ` (masked_lm_loss, ${c.labelled} labelled)` : ""} | ${c.config} | ${c.batch} × ${c.seq} | ${mb(row.first_peak)} | ${mb(row.first_backward)} / ${mb(row.first_update)} | ${mb(row.first_kept)} | ${mb(row.second_peak)} | ${heap} | ${mb(row.estimate)} | ${Number(row.ratio).toFixed(2)} |`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ci = args.indexOf("--child");
  if (ci >= 0) {
    console.log(JSON.stringify(await child(JSON.parse(args[ci + 1]) as Case)));
    return;
  }
  const ti = args.indexOf("--table");
  if (ti >= 0) {
    // reprint a saved run with the current estimate
    const { training_step_peak_bytes } = await import("../src/models/bert/memory");
    const saved = JSON.parse(fs.readFileSync(args[ti + 1], "utf8")) as Array<Record<string, number | string | boolean>>;
    print_header();
    for (const row of saved) {
      const c = row as unknown as Case & { params: number };
      row.estimate = training_step_peak_bytes(CONFIGS[c.config] as unknown as SizedConfig, c.arch, { batch: c.batch, seq: c.seq, vocab_positions: c.masked_lm_loss ? c.labelled : undefined, parameters: c.params, optimizer_state: false, backend: c.backend });
      row.ratio = Number(row.first_peak) / Number(row.estimate);
      print_row(c, row);
    }
    return;
  }
  const bi = args.indexOf("--backends");
  const backends = bi >= 0 ? args[bi + 1].split(",") : ["wasm", "cpu"];
  const ji = args.indexOf("--json");
  const rows: Array<Record<string, number | string | boolean>> = [];
  print_header();
  for (const c of cases(backends)) {
    const r = spawnSync(process.execPath, ["--import", "tsx", __filename, "--child", JSON.stringify(c)], { env: { ...process.env, BERTLAB_BACKEND: c.backend }, encoding: "utf8", maxBuffer: 1 << 26 });
    const line = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !line.startsWith("{")) {
      const lines = (r.stderr || r.stdout).trim().split("\n");
      const why = lines.filter((l) => /Error/.test(l) && !/^\s+at /.test(l)).pop() ?? lines.pop() ?? `exit ${r.status}`;
      console.log(`| ${c.backend} | ${c.arch.replace(/^Bert(For)?/, "")} | ${c.config} | ${c.batch} × ${c.seq} | failed: ${why.trim().slice(0, 160)} |`);
      continue;
    }
    const row = JSON.parse(line) as Record<string, number | string | boolean>;
    rows.push(row);
    print_row(c, row);
  }
  if (ji >= 0) fs.writeFileSync(args[ji + 1], JSON.stringify(rows, null, 1));
}

void main();
