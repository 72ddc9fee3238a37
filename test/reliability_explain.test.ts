// Fuzz: labels and tokens of any text render in every chart that shows them (vega compiles and draws the spec:
// U+2028 / U+2029, quotes, backslashes, "constructor" / "toString" / "__proto__" used to break 12 of 15 probes;
// 8 charts here: attention, class probabilities (one and several examples), token attributions, comparison,
// fill-mask, token classification, neuron view),
// and random explain parameters either work or fail with an Error naming the function — never a raw
// TypeError / RangeError — leaking no tensor. Counts print at the end; `npm run fuzz` multiplies them by
// BERTLAB_FUZZ_SCALE (20 by default there).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { tf, ready, BertForSequenceClassification, BertTokenizer, integrated_gradients, saliency, occlusion } from "../src";
import { plot_attention, plot_class_probabilities, plot_token_attributions, plot_attribution_comparison, neuron_view_static, plot_fill_mask, plot_token_classification, vega_lite_to_svg } from "../plots";
import type { Chart } from "../plots";

const SCALE = Math.max(1, Number(process.env.BERTLAB_FUZZ_SCALE ?? 1) || 1);
const HOSTILE = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "a\u2028b", "c\u2029d", 'say "hi"', "it's", "back\\slash", "\\u2028", "</script><b>x</b>", "${x}", "`t`", "[SEP]", "é😀", " ", ""];
const label = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: "grapheme", maxLength: 12 }), fc.string({ maxLength: 6 }));

const escape_xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

test("charts draw labels and tokens of any text (vega compiles and renders each spec)", { timeout: 600_000 }, async () => {
  const runs = 4 * SCALE;
  let drawn = 0;
  await fc.assert(fc.asyncProperty(fc.uniqueArray(label, { minLength: 2, maxLength: 5 }), async (names) => {
    const n = names.length;
    const att = [[Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))]]; // [layer][head][q][k]
    const charts: Array<[string, Chart]> = [
      ["plot_attention", plot_attention([att] as never, names)],
      ["plot_class_probabilities", plot_class_probabilities(names.map((_, i) => i + 1), names, { function_to_apply: "softmax" } as never)],
      ["plot_class_probabilities (facets)", plot_class_probabilities([names.map((_, i) => i), names.map((_, i) => -i)], names, { from_logits: true, examples: names.slice(0, 2) })],
      ["plot_token_attributions", plot_token_attributions({ tokens: names, scores: names.map((_, i) => i - 1), method: names[0] })],
      ["plot_attribution_comparison", plot_attribution_comparison(names.slice(0, 3).map((m, i) => ({ tokens: names, scores: names.map((_, j) => i + j), method: m })))],
      ["plot_fill_mask", plot_fill_mask(names.map((m) => names.map((t, i) => ({ token: i, token_str: t, score: 1 / (i + 2), sequence: m }))) as never, { mask_names: names })],
      ["plot_token_classification", plot_token_classification(names.map(() => names.map((_, j) => j / n)), names, names)],
      ["neuron_view_static", neuron_view_static({ tokens: names, layers: [{ queries: [names.map(() => [1, 0])], keys: [names.map((_, i) => [i, 1])], attention: [names.map(() => names.map(() => 1 / n))] }] })],
    ];
    for (const [fn, chart] of charts) {
      let svg: string;
      try {
        svg = await vega_lite_to_svg(chart as never);
      } catch (e) {
        throw new Error(`${fn} with labels ${JSON.stringify(names)}: ${(e as Error).message}`);
      }
      drawn++;
      // a plain label reaches the drawing as text
      const plain = names.find((s) => /^[a-zA-Z_]{3,}$/.test(s));
      if (plain && fn !== "neuron_view_static") assert.ok(svg.includes(escape_xml(plain)), `${fn}: "${plain}" is drawn`);
    }
  }), { numRuns: runs, seed: 22, examples: [[["constructor", "toString"]], [["a\u2028b", 'q"', "back\\slash"]], [["__proto__", "hasOwnProperty", "valueOf"]]] });
  console.log(`charts: ${drawn} drawn with hostile labels, 0 failures`);
});

test("random explain parameters: a result or an Error naming the function, never a raw TypeError; no tensor leaked", { timeout: 600_000 }, async () => {
  await ready();
  const model = await BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-sentiment", { local_files_only: true, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased-sentiment", { local_files_only: true });
  const enc = tok("a fine film", { return_tensors: "tf" });
  const ids = ((enc.input_ids as tf.Tensor).arraySync() as number[][])[0];
  saliency(model, enc, { target: 1 }); // caches
  occlusion(model, enc, { target: 1, tokenizer: tok });
  const before = tf.memory().numTensors;
  const value = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double(), fc.constantFrom(NaN, Infinity, -0, 0.5, 1e9, 2 ** 32), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }));
  const target = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1, { class: 1 }) }, value, fc.record({ class: value }), fc.record({ class: value, position: value }), fc.record({ start: value }), fc.record({ token_id: value, position: value }), fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 2 }));
  const small = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(undefined, 1, 2, 3) }, value);
  const inputs = fc.oneof({ weight: 4, arbitrary: fc.constant(enc) }, fc.record({ input_ids: fc.array(value, { minLength: 1, maxLength: 6 }) }), fc.constant({ input_ids: [ids.map((i) => i + 0.5)] }), fc.constant({ input_ids: [Array.from({ length: 200 }, () => 1000)] }));
  const counts = { ok: 0, refused: 0 };
  fc.assert(fc.property(fc.constantFrom("integrated_gradients", "saliency", "occlusion"), inputs, target, small, small, small, fc.option(fc.array(value, { maxLength: 8 }), { freq: 4 }), (method, inp, tgt, a, b, c, baseline) => {
    const opts: Record<string, unknown> = { target: tgt, tokenizer: tok, n_steps: typeof a === "number" ? Math.min(a as number, 4) : a, internal_batch_size: b, sliding_window: c, normalize: typeof c === "boolean" ? c : undefined };
    if (baseline) opts.baseline_ids = baseline;
    try {
      if (method === "integrated_gradients") integrated_gradients(model, inp as never, opts as never);
      else if (method === "saliency") saliency(model, inp as never, opts as never);
      else occlusion(model, inp as never, opts as never);
      counts.ok++;
    } catch (e) {
      const err = e as Error;
      assert.ok(!(err instanceof TypeError || err instanceof RangeError) && /^(integrated_gradients|saliency|occlusion|explain|baseline_ids|input_ids|approximation_parameters|\w+: )/.test(err.message), `${method}(${JSON.stringify(inp).slice(0, 80)}, ${JSON.stringify(opts).slice(0, 200)}): ${err.name}: ${err.message}`);
      counts.refused++;
    }
    assert.equal(tf.memory().numTensors, before, `leaked after ${method} ${JSON.stringify(opts).slice(0, 200)}`);
  }), { numRuns: 60 * SCALE, seed: 22 });
  console.log(`explain parameters: ${counts.ok + counts.refused} cases, ${counts.ok} results, ${counts.refused} clear refusals, 0 raw errors, 0 leaks`);
  tf.dispose(Object.values(enc) as tf.Tensor[]);
  model.dispose();
});
