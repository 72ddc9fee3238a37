// Builders: chart specs carry the right data, encodings, titles, warmup region, top-k order, answer span
// and grid size, checked against golden outputs of HF transformers 4.31 pipelines and models.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  plot_lr_schedules, plot_schedules, plot_lr_history, lr_history_points, plot_training, training_points,
  plot_class_probabilities, class_probabilities, plot_fill_mask, fill_mask_rows, top_k_tokens,
  plot_token_classification, token_label_cells, plot_question_answering, qa_best_spans, qa_answer, join_wordpieces,
  plot_attention, plot_attention_grid, attention_layers, attention_matrix, attention_view, head_view, head_view_data,
  is_chart, Chart,
} from "../plots";
import { percent, py_round } from "../plots/data";
import { goldens, tensors, close } from "./fixtures/plots/helpers";

const spec = (c: Chart) => {
  assert.equal(c.library, "vega-lite");
  return (c as any).spec;
};

const FN_NAME: Record<string, string> = {
  get_linear_schedule_with_warmup: "linear", get_cosine_schedule_with_warmup: "cosine",
  get_cosine_with_hard_restarts_schedule_with_warmup: "cosine_with_restarts",
  get_polynomial_decay_schedule_with_warmup: "polynomial", get_constant_schedule_with_warmup: "constant_with_warmup",
};

test("plot_lr_schedules: golden lr curves become the line data, warmup rect spans [0, warmup), params in legend labels", () => {
  const cases = goldens.schedules.filter((c: any) => c.kwargs.num_warmup_steps === 3);
  const series = cases.map((c: any) => ({ name: FN_NAME[c.fn], values: c.lr_at_step, params: c.kwargs.num_cycles ? { num_cycles: c.kwargs.num_cycles } : c.kwargs.power ? { power: c.kwargs.power, lr_end: c.kwargs.lr_end } : undefined }));
  assert.equal(series.length, 3);
  const s = spec(plot_lr_schedules(series, { num_warmup_steps: 3 }));
  assert.equal(s.title, "Learning-rate schedules");
  assert.equal(s.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  const [warm, lines] = s.layer;
  assert.deepEqual(warm.data.values, [{ start: 0, end: 3, label: "warmup (3 steps)" }]);
  assert.equal(warm.layer[0].mark.type, "rect");
  assert.equal(warm.layer[0].encoding.x.field, "start");
  assert.equal(warm.layer[0].encoding.x2.field, "end");
  // the series' order is a numeric field (vega-lite's sort: [labels] breaks on labels such as "constructor")
  assert.deepEqual(lines.encoding.color.sort, { field: "schedule_order", op: "min", order: "ascending" });
  assert.deepEqual(lines.encoding.strokeDash.scale.domain, ["linear", "cosine_with_restarts (num_cycles 2)", "polynomial (power 0.5, lr_end 0.01)"]);
  for (const c of cases) {
    const label = lines.encoding.strokeDash.scale.domain[cases.indexOf(c)];
    assert.ok(lines.data.values.filter((v: any) => v.schedule === label).every((v: any) => v.schedule_order === cases.indexOf(c)));
    const pts = lines.data.values.filter((v: any) => v.schedule === label);
    assert.deepEqual(pts.map((p: any) => p.lr), c.lr_at_step);
    assert.deepEqual(pts.map((p: any) => p.step), c.lr_at_step.map((_: number, i: number) => i));
  }
  // No warmup → no rect layer; one series → its label in the title.
  const one = spec(plot_lr_schedules([{ name: "constant", values: [1, 1, 1] }]));
  assert.equal(one.layer.length, 1);
  assert.equal(one.title, "Learning rate: constant");
});

test("plot_lr_schedules: clear errors for bad series", () => {
  assert.throws(() => plot_lr_schedules([]), /non-empty array/);
  assert.throws(() => plot_lr_schedules([{ name: "x", values: [1, NaN] }]), /series 'x' values: value at index 1 is NaN/);
  assert.throws(() => plot_lr_schedules([{ name: "x", values: [1] }, { name: "x", values: [2] }]), /same label 'x'/);
  assert.throws(() => plot_lr_schedules([{ name: "x", values: [1] }], { num_warmup_steps: -1 }), /num_warmup_steps must be >= 0/);
});

test("plot_schedules: lr = lr * lr_lambda(step) for each name, with an injected factory replaying the golden lambdas", () => {
  const table: Record<string, any> = {};
  for (const c of goldens.schedules) if (c.kwargs.num_training_steps === 12 || c.fn.includes("constant")) table[FN_NAME[c.fn]] = c;
  const calls: any[] = [];
  const lr_lambda = (name: string, opts: any) => {
    calls.push({ name, opts });
    const c = table[name];
    return (step: number) => c.lambda_at_step[step];
  };
  const chart = plot_schedules(["cosine", "polynomial"], { lr_lambda, num_warmup_steps: 2, num_training_steps: 12, num_cycles: 0.5, power: 0.5, lr_end: 0.01, lr: 0.1, steps: 17 });
  const s = spec(chart);
  const lines = s.layer[1];
  assert.deepEqual(lines.encoding.strokeDash.scale.domain, ["cosine (num_cycles 0.5)", "polynomial (power 0.5, lr_end 0.01)"]);
  const poly = lines.data.values.filter((v: any) => v.schedule.startsWith("polynomial")).map((v: any) => v.lr);
  // Golden polynomial case ran with base lr 0.1: lr_at_step == 0.1 * lambda.
  table.polynomial.lr_at_step.forEach((lr: number, i: number) => assert.ok(close(poly[i], lr, 1e-12), `step ${i}: ${poly[i]} vs ${lr}`));
  assert.equal(poly.length, 18);
  assert.equal(calls[1].opts.lr, 0.1);
  assert.equal(calls[1].opts.power, 0.5);
  assert.deepEqual(s.layer[0].data.values[0], { start: 0, end: 2, label: "warmup (2 steps)" });
  assert.match(s.title, /lr 0\.1, warmup 2, 12 training steps/);
  // "all" expands to the given names.
  const all = spec(plot_schedules("all", { lr_lambda, schedule_names: ["cosine", "constant_with_warmup"], num_training_steps: 10, num_warmup_steps: 4, lr: 1, steps: 10 }));
  assert.equal(new Set(all.layer[1].data.values.map((v: any) => v.schedule)).size, 2);
  assert.throws(() => plot_schedules("linear", { lr_lambda }), /num_training_steps/);
});

test("plot_schedules: with bertlab's own lr_lambda when src/training provides it", (t) => {
  let training: any;
  try { training = require("../src/training"); } catch { training = {}; }
  if (typeof training.lr_lambda !== "function") { t.skip("src/training does not export lr_lambda yet"); return; }
  for (const c of goldens.schedules) {
    const s = spec(plot_schedules(FN_NAME[c.fn], { ...c.kwargs, lr: c.base_lr, steps: c.lr_at_step.length - 1 }));
    const lr = s.layer[s.layer.length - 1].data.values.map((v: any) => v.lr);
    c.lr_at_step.forEach((g: number, i: number) => assert.ok(close(lr[i], g, 1e-6, 1e-12), `${c.fn} step ${i}: ${lr[i]} vs ${g}`));
  }
  // "all": every step-driven schedule of the training module whose required options are given.
  const all = spec(plot_schedules("all", { num_warmup_steps: 10, num_training_steps: 100, lr: 5e-5 }));
  const labels: string[] = all.layer[1].encoding.strokeDash.scale.domain;
  for (const n of ["linear", "cosine (num_cycles 0.5)", "cosine_with_restarts (num_cycles 1)", "constant", "constant_with_warmup"]) assert.ok(labels.includes(n), `${n} in ${labels}`);
  assert.ok(labels.some((l) => l.startsWith("polynomial (") && l.includes("lr_end 1e-7") && l.includes("power 1")), labels.join(" | "));
  assert.ok(!labels.some((l) => l.startsWith("reduce_lr_on_plateau")));
  // A live LambdaLR: the lr it set at each step so far equals the golden trajectory.
  const c = goldens.schedules.find((x: any) => x.fn === "get_cosine_schedule_with_warmup");
  const optimizer = { param_groups: [{ lr: c.base_lr }] };
  const sched = training.get_cosine_schedule_with_warmup(optimizer, c.kwargs);
  for (let i = 0; i < 6; i++) sched.step();
  const pts = lr_history_points(sched);
  assert.equal(pts.length, 7);
  pts.forEach((p, i) => assert.ok(close(p.lr, c.lr_at_step[i], 1e-6, 1e-12), `step ${i}`));
});

test("plot_lr_history: numbers, {step, lr} records, log_history records and optimizer-like objects", () => {
  assert.deepEqual(lr_history_points([0, 0.5, 1]), [{ step: 0, lr: 0 }, { step: 1, lr: 0.5 }, { step: 2, lr: 1 }]);
  assert.deepEqual(lr_history_points([{ step: 10, learning_rate: 2e-5 }, { step: 10, eval_loss: 1 } as any, { step: 20, lr: 1e-5 }]), [{ step: 10, lr: 2e-5 }, { step: 20, lr: 1e-5 }]);
  assert.deepEqual(lr_history_points({ lr_history: [3, 2] }), [{ step: 0, lr: 3 }, { step: 1, lr: 2 }]);
  assert.deepEqual(lr_history_points({ get_lr_history: () => [{ step: 5, lr: 1 }] }), [{ step: 5, lr: 1 }]);
  const s = spec(plot_lr_history({ lr_history: [0, 1, 0.5] }, { num_warmup_steps: 1 }));
  assert.equal(s.layer[0].data.values[0].end, 1);
  assert.deepEqual(s.layer[1].data.values.map((v: any) => v.lr), [0, 1, 0.5]);
  const sparse = spec(plot_lr_history([{ step: 10, lr: 1 }, { step: 20, lr: 2 }]));
  assert.deepEqual(sparse.data.values.map((v: any) => v.step), [10, 20]);
  assert.throws(() => plot_lr_history([]), /no learning-rate entries/);
  assert.throws(() => plot_lr_history({} as any), /expected number\[\]/);
});

const LOG = [
  { loss: 0.693, learning_rate: 1e-5, grad_norm: 2.5, epoch: 0.5, step: 10 },
  { loss: 0.61, learning_rate: 2e-5, grad_norm: 2.1, epoch: 1, step: 20 },
  { eval_loss: 0.64, eval_accuracy: 0.62, eval_runtime: 1.2, eval_samples_per_second: 80, epoch: 1, step: 20 },
  { loss: 0.52, learning_rate: 1e-5, grad_norm: 1.7, epoch: 1.5, step: 30 },
  { train_runtime: 12.3, train_loss: 0.6, total_flos: 1e9, epoch: 1.5, step: 30 },
];

test("plot_training: log_history → one full-width panel per metric, train/eval overlaid, bookkeeping keys dropped", () => {
  const pts = training_points(LOG);
  assert.deepEqual([...new Set(pts.map((p) => p.panel))], ["loss", "learning rate", "grad norm", "accuracy"]);
  assert.deepEqual(pts.filter((p) => p.panel === "loss").map((p) => [p.x, p.series, p.value]), [[10, "train", 0.693], [20, "train", 0.61], [20, "eval", 0.64], [30, "train", 0.52]]);
  assert.equal(pts.filter((p) => /runtime|flos|samples/.test(p.metric)).length, 0);
  const s = spec(plot_training(LOG, { title: "fine-tuning" }));
  assert.equal(s.title, "fine-tuning");
  assert.deepEqual(s.vconcat.map((v: any) => v.title.text), ["loss", "learning rate", "grad norm", "accuracy"]);
  assert.deepEqual(s.vconcat.map((v: any) => v.transform[0].filter.equal), ["loss", "learning rate", "grad norm", "accuracy"]);
  assert.ok(s.vconcat.every((v: any) => v.width === "container"), "each panel takes the cell's width");
  assert.deepEqual(s.resolve.scale, { x: "shared", y: "independent", color: "shared" });
  assert.equal(s.vconcat[0].encoding.color.field, "series");
  assert.equal(s.data.values.length, 11);
  const by_epoch = training_points(LOG, { x: "epoch", metrics: ["eval_accuracy"] });
  assert.deepEqual(by_epoch, [{ x: 1, metric: "eval_accuracy", panel: "accuracy", series: "eval", value: 0.62 }]);
  assert.throws(() => training_points(LOG, { metrics: ["eval_f1"] }), /eval_f1 never logged/);
  assert.throws(() => plot_training([]), /no numeric metrics/);
  const p = plot_training(LOG, { library: "plotly" });
  assert.equal(p.library, "plotly");
  assert.equal((p as any).data.length, 5); // loss, eval_loss, learning_rate, grad_norm, eval_accuracy
});

test("percent rounds like Python's int(round(p * 100)) (half to even)", () => {
  assert.equal(py_round(0.5), 0);
  assert.equal(py_round(1.5), 2);
  assert.equal(py_round(2.5), 2);
  assert.equal(py_round(-0.5), -0);
  assert.equal(percent(0.1), "10%");
  assert.equal(percent(0.945), "94%");
});

test("plot_class_probabilities: softmax of golden logits equals the text-classification pipeline's scores", () => {
  const g = goldens["text_classification.top_k_none_list"];
  const logits = g.logits.map((l: number[][]) => l[0]);
  const rows = class_probabilities(logits, g.id2label, { from_logits: true, examples: g.args[0] });
  g.output.forEach((out: any[], r: number) => {
    for (const o of out) {
      const row = rows.find((x) => x.example === g.args[0][r] && x.label === o.label)!;
      assert.ok(close(row.probability, o.score, 1e-6), `${o.label}: ${row.probability} vs ${o.score}`);
    }
    // rank 0 is the pipeline's first (top) label
    assert.equal(rows.find((x) => x.example === g.args[0][r] && x.rank === 0)!.label, out[0].label);
  });
  const s = spec(plot_class_probabilities(logits, g.id2label, { from_logits: true, examples: ["love", "worst"] }));
  // facets by the example's index (vega loses a facet named "__proto__"), its name in the header
  assert.equal(s.facet.row.field, "example_order");
  assert.equal(s.facet.row.header.labelExpr, '["love","worst"][datum.value]');
  // label order by a numeric field (vega-lite's sort: [names] breaks on "constructor")
  assert.deepEqual(s.spec.encoding.y.sort, { field: "label_order", op: "min", order: "ascending" });
  assert.deepEqual(["NEGATIVE", "NEUTRAL", "POSITIVE"].map((l) => s.data.values.find((v: { label: string }) => v.label === l).label_order), [0, 1, 2]);
  assert.equal(s.data.values[0].label_text, `NEGATIVE: ${percent(g.output[0][0].score)}`);
  assert.equal(s.data.values[0].label_text, "NEGATIVE: 75%");
});

test("plot_class_probabilities: sigmoid (multi-label) matches the pipeline; seed-style labels; errors", () => {
  for (const key of ["text_classification.fn_sigmoid", "text_classification_multilabel.top_k_none"]) {
    const g = goldens[key];
    const rows = class_probabilities(g.logits[0][0], g.id2label, { function_to_apply: "sigmoid" });
    for (const o of g.output) assert.ok(close(rows.find((r) => r.label === o.label)!.probability, o.score, 1e-6), `${key} ${o.label}`);
  }
  // The seed's MRPC printout format.
  const s = spec(plot_class_probabilities([0.1, 0.9], ["not paraphrase", "is paraphrase"], { title: "paraphrase" }));
  assert.deepEqual(s.data.values.map((v: any) => v.label_text), ["not paraphrase: 10%", "is paraphrase: 90%"]);
  assert.equal(s.title, "paraphrase");
  assert.deepEqual(s.encoding.x.scale.domain, [0, 1]);
  assert.throws(() => class_probabilities([1.2, -0.4], ["a", "b"]), /look like logits: pass \{ from_logits: true \}/);
  assert.throws(() => class_probabilities([0.5, 0.5], ["a"]), /got 1 labels for 2 values/);
  assert.throws(() => class_probabilities([[[1]]], ["a"]), /got shape \[1, 1, 1\]/);
});

test("plot_class_probabilities: takes a text-classification pipeline's { label, score } output directly", () => {
  const g = goldens["text_classification.top_k_none_list"];
  const rows = class_probabilities(g.output);
  assert.equal(rows.length, 6);
  assert.deepEqual(rows.filter((r) => r.example === "example 0").map((r) => [r.label, r.probability]), g.output[0].map((e: any) => [e.label, e.score]));
  const ordered = class_probabilities(g.output[1], g.id2label);
  assert.deepEqual(ordered.map((r) => r.label), ["NEGATIVE", "NEUTRAL", "POSITIVE"]);
  assert.throws(() => class_probabilities([{ label: "A", score: 0.7 }], ["A", "B"]), /no score for label 'B' \(pass top_k: null/);
  assert.throws(() => class_probabilities([0.3, 0.7]), /labels are required/);
});

test("plot_fill_mask: whole-sequence logits (array or tfjs tensor) + input_ids find the [MASK] rows; tokenizer as vocab", async () => {
  const g = goldens.fill_mask_two_masks;
  const mask_rows: number[][] = tensors("fill_mask_two_masks.safetensors").get(g.tensor);
  const input_ids = [101, 1996, 103, 2938, 2006, 1996, 103, 1012, 102]; // "The [MASK] sat on the [MASK]."
  const zero = new Array(mask_rows[0].length).fill(0);
  const full = input_ids.map((id, i) => (i === 2 ? mask_rows[0] : i === 6 ? mask_rows[1] : zero));
  const names = new Map<number, string>(g.output.flat().map((e: any) => [e.token, e.token_str]));
  // bertlab tokenizers are callable objects: the vocab lookup must use convert_ids_to_tokens, not call it.
  const tokenizer = Object.assign(() => { throw new Error("the tokenizer was called"); }, { convert_ids_to_tokens: (ids: number[]) => ids.map((id) => names.get(id) ?? "[UNK]") });
  const rows = fill_mask_rows({ logits: [full], input_ids: [input_ids], vocab: tokenizer }, { top_k: 3 });
  assert.deepEqual([...new Set(rows.map((r) => r.mask))], ["[MASK] at position 2", "[MASK] at position 6"]);
  assert.deepEqual(rows.map((r) => r.token), g.output.flat().map((e: any) => e.token));
  assert.deepEqual(rows.map((r) => r.token_str), g.output.flat().map((e: any) => e.token_str));
  const { tf } = await import("../src/backend");
  const before = tf.memory().numTensors;
  const t = tf.tensor3d([full]);
  const from_tensor = fill_mask_rows({ logits: t, positions: [6] }, { top_k: 3 });
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
  from_tensor.forEach((r, i) => assert.ok(close(r.score, g.output[1][i].score, 1e-5)));
  assert.throws(() => fill_mask_rows({ logits: [full], input_ids: [[101, 102, 1, 2, 3, 4, 5, 6, 7]] }), /no \[MASK\] \(id 103\) in input_ids/);
  assert.throws(() => fill_mask_rows({ logits: full, positions: [9, 10, 11] }), /position 9 is outside the 9 rows/);
});

test("plot_fill_mask: top-k from golden [MASK] logit rows equals the fill-mask pipeline (ids, scores, order)", () => {
  const g = goldens.fill_mask_two_masks;
  const rows: number[][] = tensors("fill_mask_two_masks.safetensors").get(g.tensor);
  assert.equal(rows.length, 2);
  g.output.forEach((expected: any[], m: number) => {
    const got = top_k_tokens(rows[m], g.kwargs.top_k);
    assert.deepEqual(got.map((p) => p.token), expected.map((e) => e.token));
    got.forEach((p, i) => assert.ok(close(p.score, expected[i].score, 1e-5), `mask ${m} rank ${i}: ${p.score} vs ${expected[i].score}`));
  });
  const names = new Map<number, string>(g.output.flat().map((e: any) => [e.token, e.token_str]));
  const chart = plot_fill_mask({ logits: rows, vocab: (id) => names.get(id) ?? `[${id}]`, positions: g.positions }, { top_k: 3 });
  const s = spec(chart);
  // panels by the mask's index, named in the header (vega-lite / vega fail on sort arrays and facets named "constructor" / "__proto__")
  assert.equal(s.facet.column.field, "mask_order");
  assert.equal(s.facet.column.header.labelExpr, '["[MASK] at position 2","[MASK] at position 6"][datum.value]');
  assert.deepEqual(s.data.values.filter((v: any) => v.mask === "[MASK] at position 6").map((v: any) => [v.rank, v.token_str]), [[1, "##ulf"], [2, "che"], [3, "ⱼ"]]);
  assert.equal(s.data.values[0].text, "##ulf  0.19%");
  assert.deepEqual(s.spec.encoding.y, { field: "rank", type: "ordinal", title: "rank" });
  // Pipeline output goes in as it is, and is re-sorted by score.
  const direct = fill_mask_rows([...g.output[0]].reverse());
  assert.deepEqual(direct.map((r) => r.token), g.output[0].map((e: any) => e.token));
  assert.deepEqual(direct.map((r) => r.rank), [1, 2, 3]);
  assert.throws(() => plot_fill_mask([{ score: 1 } as any]), /needs \{ score: number, token_str: string \}/);
  assert.throws(() => top_k_tokens([1, 2], 0), /top_k must be an integer >= 1/);
});

test("plot_token_classification: softmax per token, argmax and its probability equal the NER pipeline's entities", () => {
  const g = goldens.token_classification;
  const cells = token_label_cells(g.logits, g.tokens, g.id2label, { from_logits: true });
  const n = g.tokens.length, L = Object.keys(g.id2label).length;
  assert.equal(cells.length, n * L);
  for (const e of g.output) {
    const best = cells.find((c) => c.position === e.index && c.is_argmax)!;
    assert.equal(best.label, e.entity);
    assert.equal(best.token, e.word);
    assert.ok(close(best.probability, e.score, 1e-5), `token ${e.index}: ${best.probability} vs ${e.score}`);
  }
  // Tokens the pipeline dropped are exactly those predicted "O" (plus [CLS]/[SEP]).
  const entity_positions = new Set(g.output.map((e: any) => e.index));
  for (const c of cells.filter((c) => c.is_argmax && !entity_positions.has(c.position))) {
    assert.ok(c.label === "O" || c.position === 0 || c.position === n - 1, `position ${c.position} predicted ${c.label}`);
  }
  const s = spec(plot_token_classification(g.logits, g.tokens, g.id2label, { from_logits: true, hide_special_tokens: true }));
  assert.equal(s.data.values.length, (n - 2) * L);
  assert.equal(s.layer[1].transform[0].filter, "datum.is_argmax");
  // label order by the label's index (not a sort array: vega-lite fails on a label named "constructor")
  assert.deepEqual(s.layer[0].encoding.y.sort, { field: "label_index", op: "min" });
  const order = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"];
  assert.deepEqual(order.map((l) => s.data.values.find((v: any) => v.label === l).label_index), order.map((_, i) => i));
  assert.match(s.layer[0].encoding.x.axis.labelExpr, /"Hu","##gging","Face"/);
  assert.throws(() => token_label_cells(g.logits, g.tokens.slice(1), g.id2label, { from_logits: true }), /tokens \(one per row of scores\): got 31 labels for 32 values/);
});

function answer_chars(q: any, start: number, end: number): [number, number] {
  // The slow pipeline maps tokens → whitespace words → characters of the context.
  const ws = q.token_to_orig_map[String(start)], we = q.token_to_orig_map[String(end)];
  const c2w: number[] = q.char_to_word_offset;
  const s = c2w.indexOf(ws);
  return [s, c2w.lastIndexOf(we)]; // as 4.31: np.where(char_to_word == word)[0][-1]
}

test("qa_best_spans: HF pipeline span selection (p_mask, [CLS] excluded, max_answer_len, top_k) matches the golden answers", () => {
  for (const q of goldens.question_answering) {
    const top_k = q.kwargs.top_k ?? 1;
    const { spans } = qa_best_spans(q.start, q.end, { p_mask: q.p_mask, attention_mask: q.attention_mask, top_k, max_answer_len: q.kwargs.max_answer_len });
    const expected = Array.isArray(q.output) ? q.output : [q.output];
    assert.equal(spans.length, expected.length);
    spans.forEach((sp, i) => {
      assert.ok(close(sp.score, expected[i].score, 1e-5), `${q.id} #${i}: ${sp.score} vs ${expected[i].score}`);
      assert.deepEqual(answer_chars(q, sp.start, sp.end), [expected[i].start, expected[i].end], `${q.id} #${i}`);
      assert.ok(sp.end - sp.start < (q.kwargs.max_answer_len ?? 15));
    });
  }
  assert.throws(() => qa_best_spans([1, 2], [1]), /start_logits has 2 values but end_logits has 1/);
  assert.throws(() => qa_best_spans([1, 2], [1, 2], { p_mask: [0] }), /p_mask has 1 entries for 2 tokens/);
});

test("plot_question_answering: answer span shaded over the probabilities and highlighted in the text", () => {
  const q = goldens.question_answering[0];
  const input = { tokens: q.tokens, start_logits: q.start, end_logits: q.end, p_mask: q.p_mask, attention_mask: q.attention_mask, question: q.kwargs.question };
  const ans = qa_answer(input);
  const s = spec(plot_question_answering(input));
  assert.equal(s.title, `Answer: "${ans.answer}" (score ${q.output.score.toPrecision(3)})`);
  assert.equal(ans.answer, join_wordpieces(q.tokens.slice(ans.start, ans.end + 1)));
  assert.deepEqual(answer_chars(q, ans.start, ans.end), [q.output.start, q.output.end]);
  assert.ok(close(ans.score, q.output.score, 1e-5));
  const [text, bars] = s.vconcat;
  assert.equal(text.title.text, `Q: ${q.kwargs.question}`);
  const span = Array.from({ length: ans.end - ans.start + 1 }, (_, i) => ans.start + i);
  const highlighted: number[][] = text.data.values.filter((w: any) => w.in_answer).map((w: any) => w.positions);
  assert.deepEqual(highlighted.flat().filter((p) => span.includes(p)), span); // every answer token is highlighted...
  assert.ok(highlighted.every((ps) => ps.some((p) => span.includes(p)))); // ...and only words that hold one
  assert.ok(!text.data.values.some((w: any) => w.text === "[CLS]"));
  assert.ok(text.data.values.some((w: any) => w.text === "pytorch" && w.positions.length === 4)); // p ##yt ##or ##ch
  // Only the context (p_mask 0) is shown: [CLS] plus the context tokens.
  const shown = new Set(bars.data.values.map((v: any) => v.position));
  assert.equal(shown.size, q.p_mask.filter((m: number) => m === 0).length);
  const band = bars.data.values.filter((v: any) => v.in_answer && v.which === "start").map((v: any) => v.position);
  assert.deepEqual(band, span);
  assert.equal(bars.layer[0].mark.type, "rect");
  const sum = bars.data.values.filter((v: any) => v.which === "start").reduce((a: number, v: any) => a + v.probability, 0);
  assert.ok(close(sum, 1, 1e-9));
  // A forced span and the exact text slice through offsets.
  const p = plot_question_answering(input, { library: "plotly" }) as any;
  assert.equal(p.library, "plotly");
  assert.deepEqual(p.data.map((d: any) => d.name), ["start", "end"]);
  const slots: number[] = [...shown] as number[];
  const a = slots.indexOf(ans.start), b = slots.indexOf(ans.end);
  assert.deepEqual([p.layout.shapes[0].x0, p.layout.shapes[0].x1], [a - 0.5, b + 0.5]);
  assert.equal(p.data[0].y[a], ans.probs.start_probs[ans.start]);
  assert.equal(p.layout.title.text, s.title);
  // [1, seq] logits (as a model returns them) are accepted.
  assert.equal(qa_answer({ ...input, start_logits: [q.start], end_logits: [q.end] }).score, ans.score);
  const forced = qa_answer({ tokens: ["[CLS]", "a", "b", "##c"], start_logits: [0, 1, 2, 3], end_logits: [0, 1, 2, 3], answer: { start: 2, end: 3 }, text: "a bc", offsets: [[0, 0], [0, 1], [2, 3], [3, 4]] });
  assert.equal(forced.answer, "bc");
  assert.throws(() => qa_answer({ tokens: ["a"], start_logits: [0, 1], end_logits: [0, 1] }), /got 1 labels for 2 values/);
});

function seed_attention(): { att: number[][][][][]; tokens: string[] } {
  const t = tensors("attentions.safetensors");
  return { att: [t.get("seed.out.attentions.0"), t.get("seed.out.attentions.1")], tokens: goldens.seed_tokens };
}

test("attention_layers: per-layer [batch, heads, seq, seq] golden attentions, batch index, single layer/head inputs", () => {
  const { att } = seed_attention();
  const layers = attention_layers(att);
  assert.equal(layers.length, 2);
  assert.equal(layers[0].length, 4);
  assert.equal(layers[1][3][12][5], att[1][0][3][12][5]);
  layers.forEach((l) => l.forEach((h) => h.forEach((row) => assert.ok(close(row.reduce((a, b) => a + b, 0), 1, 1e-5)))));
  const b = tensors("attentions.safetensors");
  const batch = [b.get("batch.out.attentions.0"), b.get("batch.out.attentions.1")];
  assert.equal(attention_layers(batch, { batch_index: 1 })[0][2][4][4], batch[0][1][2][4][4]);
  assert.throws(() => attention_layers(batch, { batch_index: 2 }), /batch_index 2 is out of range for layer 0 with batch size 2/);
  assert.equal(attention_layers(att[0][0]).length, 1); // one layer [heads, seq, seq]
  assert.deepEqual(attention_layers([[1, 0], [0, 1]]), [[[[1, 0], [0, 1]]]]);
  assert.throws(() => attention_layers([1, 2]), /got shape \[2\]/);
  assert.throws(() => attention_layers([[[1, 0], [0]]]), /layer 0 head 0 is not 2×2/);
  // tfjs-like tensors are converted with arraySync.
  const fake = { shape: [1, 4, 13, 13], arraySync: () => att[0] };
  assert.equal(attention_layers([fake, fake]).length, 2);
  assert.equal(attention_matrix(att, { layer: 1, head: "mean" })[0][0], att[1][0].reduce((s: number, h: number[][]) => s + h[0][0], 0) / 4);
  assert.throws(() => attention_matrix(att, { layer: 2 }), /layer 2 is out of range; the model has 2 layer\(s\)/);
  assert.throws(() => attention_matrix(att, { head: 4 }), /head 4 is out of range; layer 0 has 4 head\(s\)/);
});

test("plot_attention: query on y, key on x, token labels (repeated [SEP] kept apart), golden weights", () => {
  const { att, tokens } = seed_attention();
  const s = spec(plot_attention(att, tokens, { layer: 1, head: 2 }));
  assert.equal(s.title, "Attention: layer 1, head 2");
  assert.equal(s.encoding.y.field, "query");
  assert.equal(s.encoding.x.field, "key");
  assert.equal(s.encoding.x.type, "ordinal");
  assert.equal(s.encoding.x.axis.labelExpr, `${JSON.stringify(tokens)}[datum.value]`);
  assert.equal(s.data.values.length, 13 * 13);
  const cell = s.data.values.find((v: any) => v.query === 8 && v.key === 12);
  assert.deepEqual([cell.query_token, cell.key_token, cell.weight], ["[SEP]", "[SEP]", att[1][0][2][8][12]]);
  // Fewer tokens crop the map (sentence A only).
  const a = spec(plot_attention(att, tokens.slice(0, 9)));
  assert.equal(a.data.values.length, 81);
  assert.throws(() => plot_attention(att, [...tokens, "x"]), /got 14 tokens for attention over 13 positions/);
  const p = plot_attention(att, tokens, { library: "plotly", layer: 1, head: 2 }) as any;
  assert.equal(p.library, "plotly");
  assert.deepEqual(p.data[0].z[8], att[1][0][2][8]);
  assert.deepEqual(p.layout.xaxis.ticktext, tokens);
  assert.equal(p.layout.yaxis.autorange, "reversed");
});

test("attention_mask drops padded positions: golden padded batch row keeps 7 of 9 positions, rows still sum to 1", () => {
  const t = tensors("attentions.safetensors");
  const att = [t.get("padded.out.attentions.0"), t.get("padded.out.attentions.1")];
  const mask = goldens.padded_attention_mask; // [batch, seq]; row 1 is padded from position 7
  const tokens = Array.from({ length: 9 }, (_, i) => (i < 7 ? `t${i}` : "[PAD]"));
  const view = attention_view(att, tokens, { batch_index: 1, attention_mask: mask }, "test");
  assert.deepEqual(view.tokens, ["t0", "t1", "t2", "t3", "t4", "t5", "t6"]);
  assert.equal(view.layers[1][2].length, 7);
  assert.equal(view.layers[1][2][6][3], att[1][1][2][6][3]);
  // The padded keys got (numerically) zero attention, so the kept rows are still distributions.
  view.layers.forEach((l) => l.forEach((h) => h.forEach((row) => assert.ok(close(row.reduce((a, b) => a + b, 0), 1, 1e-6)))));
  const s = spec(plot_attention(att, tokens.slice(0, 7), { batch_index: 1, attention_mask: mask[1], layer: 1, head: 2 }));
  assert.equal(s.data.values.length, 49);
  assert.equal(head_view_data(att, tokens, { batch_index: 1, attention_mask: mask }).tokens.length, 7);
  assert.equal(spec(plot_attention_grid(att, tokens, { batch_index: 1, attention_mask: mask })).data.values.length, 2 * 4 * 49);
  assert.throws(() => attention_view(att, tokens.slice(0, 5), { batch_index: 1, attention_mask: mask }, "plot_attention"), /got 5 tokens; expected 9 \(every position\) or 7/);
  assert.throws(() => attention_view(att, tokens, { attention_mask: [1, 1] }, "plot_attention"), /attention_mask must have 9 entries/);
});

test("plot_attention_grid: layers × heads facets with the golden values in each cell", () => {
  const { att, tokens } = seed_attention();
  const s = spec(plot_attention_grid(att, tokens));
  assert.deepEqual(s.facet.row.sort, ["layer 0", "layer 1"]);
  assert.deepEqual(s.facet.column.sort, ["head 0", "head 1", "head 2", "head 3"]);
  assert.equal(s.data.values.length, 2 * 4 * 13 * 13);
  const v = s.data.values.find((d: any) => d.layer === "layer 1" && d.head === "head 3" && d.query === 4 && d.key === 7);
  assert.equal(v.weight, att[1][0][3][4][7]);
  const sub = spec(plot_attention_grid(att, tokens, { layers: [1], heads: [0, 2] }));
  assert.equal(sub.data.values.length, 2 * 13 * 13);
  assert.deepEqual(sub.facet.column.sort, ["head 0", "head 2"]);
  const p = plot_attention_grid(att, tokens, { library: "plotly", layers: [0, 1], heads: [1, 3] }) as any;
  assert.equal(p.library, "plotly");
  assert.deepEqual(p.layout.grid, { rows: 2, columns: 2, pattern: "independent", xgap: 0.04, ygap: 0.04 });
  assert.deepEqual(p.data.map((d: any) => d.name), ["layer 0, head 1", "layer 0, head 3", "layer 1, head 1", "layer 1, head 3"]);
  assert.deepEqual(p.data[3].z, att[1][0][3]);
  assert.deepEqual(p.data.map((d: any) => d.xaxis), ["x", "x2", "x3", "x4"]);
  assert.equal(p.data.filter((d: any) => d.showscale).length, 1);
  assert.throws(() => plot_attention_grid(att, tokens, { max_cells: 100 }), /1352 cells exceeds max_cells 100/);
  assert.throws(() => plot_attention_grid(att, tokens, { heads: [4] }), /head 4 is out of range 0\.\.3/);
});

test("head_view: self-contained HTML (no network), data = golden attentions rounded, unique ids", () => {
  const { att, tokens } = seed_attention();
  const d = head_view_data(att, tokens, { layer: 1 });
  assert.equal(d.layer, 1);
  assert.deepEqual(d.heads, [0, 1, 2, 3]);
  assert.equal(d.attention[0][2][3][4], Math.round(att[0][0][2][3][4] * 1e4) / 1e4);
  const a = head_view(att, tokens), b = head_view(att, tokens);
  assert.ok(is_chart(a));
  assert.equal(a.library, "html");
  assert.doesNotMatch(a.html, /(src|href)\s*=\s*["']?(https?:)?\/\//i);
  assert.doesNotMatch(a.html, /cdn|googleapis|unpkg|jsdelivr/i);
  const id = (h: string) => h.match(/id="([^"]+)"/)![1];
  assert.notEqual(id(a.html), id(b.html));
  const json = a.html.match(/var D=(\{.*?\});/)![1];
  assert.deepEqual(JSON.parse(json).tokens, tokens);
  assert.throws(() => head_view(att, tokens, { layer: 5 }), /layer 5 is out of range 0\.\.1/);
  assert.throws(() => head_view(att, tokens, { heads: [7] }), /head 7 is out of range 0\.\.3/);
  assert.equal(d.sentence_b_start, null);
  assert.equal(head_view_data(att, tokens, { sentence_b_start: 9 }).sentence_b_start, 9);
  assert.match(head_view(att, tokens, { sentence_b_start: 9 }).html, /Sentence A → Sentence B/);
  assert.doesNotMatch(a.html, /<select class="hv-filter">/);
  assert.throws(() => head_view(att, tokens, { sentence_b_start: 13 }), /sentence_b_start 13 must be an index inside the tokens \(1\.\.12\)/);
});

test("tensor inputs: a tfjs tensor is converted with arraySync (class probabilities, token classification)", async () => {
  const { tf } = await import("../src/backend");
  const before = tf.memory().numTensors;
  const t = tf.tensor2d([[5.995, -5.5033]]); // the seed's NSP logits
  const rows = class_probabilities(t, ["isNext", "notNext"], { from_logits: true });
  assert.equal(rows[0].percent, "100%");
  assert.ok(close(rows[1].probability, 1 / (1 + Math.exp(5.995 + 5.5033)), 1e-5));
  t.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("label expressions of sparse label arrays parse in vega (holes are null, not elisions)", async () => {
  const { vega_literal, label_expr } = await import("../plots/data");
  const labels: string[] = [];
  labels[2] = "[CLS]";
  labels[4] = "constructor";
  assert.equal(vega_literal(labels), '[null,null,"[CLS]",null,("c" + "onstructor")]');
  const { parseExpression } = await import("vega");
  assert.doesNotThrow(() => parseExpression(label_expr(labels)));
});
