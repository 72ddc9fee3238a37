// Rich values (issue #10 item 3): Deno's `[Symbol.for("Jupyter.display")]()` convention on tensors, tokenizer
// outputs, model outputs and charts, and `show` / `live` / `display` publishing through bertlab's own kernel
// (`globalThis[Symbol.for("bertlab.kernel")]`), with the seed's inputs and printed numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BertForPreTraining, BertTokenizer, dispose_output, tf, ready } from "../src";
import { JUPYTER_DISPLAY, mime_bundle, show, live, display, format_tensor, VEGA_LITE_MIME } from "../kernel";
import { plot_schedules, plot_class_probabilities, vega_lite } from "../plots";
import { count_ink, decode_png, vega_lite_to_vega } from "../plots/render";

const KERNEL = Symbol.for("bertlab.kernel");
type Call = { bundle: { data: Record<string, unknown>; metadata?: Record<string, unknown> }; opts?: { display_id?: string; update?: boolean } };

/** Runs `f` with a fake bertlab kernel on globalThis; returns what it was asked to display. */
async function with_fake_kernel(f: () => Promise<void>): Promise<Call[]> {
  const calls: Call[] = [];
  (globalThis as Record<symbol, unknown>)[KERNEL] = { display: (bundle: Call["bundle"], opts?: Call["opts"]) => calls.push({ bundle, opts }) };
  try {
    await f();
  } finally {
    delete (globalThis as Record<symbol, unknown>)[KERNEL];
  }
  return calls;
}

/** The text of each `<td>` in the table row whose header is `name`. */
function row_cells(html: string, name: string): string[] {
  const row = html.split("<tr>").find((r) => new RegExp(`^<th[^>]*>${name}</th>`).test(r));
  assert.ok(row, `no row '${name}' in the HTML table`);
  return [...row!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
}

test("tensor: text/plain is torch's print, text/html a table of the same numbers; the method is non-enumerable", async () => {
  await ready();
  const before = tf.memory().numTensors;
  const t = tf.tensor2d([[5.995, -5.5033]]);
  const b = await mime_bundle(t);
  assert.equal(b!["text/plain"], "tensor([[ 5.9950, -5.5033]])");
  assert.equal(b!["text/plain"], format_tensor(t));
  assert.match(b!["text/html"] as string, /shape \[1, 2\] · float32/);
  assert.deepEqual(row_cells(b!["text/html"] as string, "0"), ["5.9950", "-5.5033"]);
  // A long row is elided in the middle (5 + … + 5), ints print as ints.
  const long = tf.tidy(() => tf.range(0, 30, 1, "int32").reshape([1, 30]));
  const cells = row_cells((await mime_bundle(long))!["text/html"] as string, "0");
  assert.deepEqual(cells, ["0", "1", "2", "3", "4", "…", "25", "26", "27", "28", "29"]);
  const desc = Object.getOwnPropertyDescriptor(tf.Tensor.prototype, JUPYTER_DISPLAY)!;
  assert.equal(desc.enumerable, false);
  assert.equal(typeof desc.value, "function");
  assert.ok(!Object.keys(t).some((k) => /display/i.test(k)));
  t.dispose();
  long.dispose();
  assert.equal(tf.memory().numTensors, before, "displaying tensors leaks none");
});

test("tokenizer output: text/plain is the seed's dict print, text/html the tokens / ids / type ids / mask", async () => {
  const tokenizer = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased");
  const before = tf.memory().numTensors;
  const inputs = tokenizer("Hellp, my dog is cute", { return_tensors: "tf" });
  const b = await mime_bundle(inputs);
  // The seed, In [48]: inputs
  assert.equal(b!["text/plain"], "{'input_ids': tensor([[  101,  3109,  2361,  1010,  2026,  3899,  2003, 10140,   102]]), 'token_type_ids': tensor([[0, 0, 0, 0, 0, 0, 0, 0, 0]]), 'attention_mask': tensor([[1, 1, 1, 1, 1, 1, 1, 1, 1]])}");
  const html = b!["text/html"] as string;
  assert.deepEqual(row_cells(html, "tokens"), ["[CLS]", "hell", "##p", ",", "my", "dog", "is", "cute", "[SEP]"]);
  assert.deepEqual(row_cells(html, "input_ids").map(Number), [101, 3109, 2361, 1010, 2026, 3899, 2003, 10140, 102]);
  assert.deepEqual(row_cells(html, "token_type_ids"), Array(9).fill("0"));
  assert.deepEqual(row_cells(html, "attention_mask"), Array(9).fill("1"));
  assert.deepEqual(inputs.keys(), ["input_ids", "token_type_ids", "attention_mask"], "keys unchanged");
  // A padded batch of a pair: one table per row, type ids 1 on the second sequence, mask 0 on padding.
  const batch = tokenizer(["Hello", "my dog is cute"], { text_pair: ["I like it", "yes"], padding: true });
  const bh = (await mime_bundle(batch))!["text/html"] as string;
  const tables = bh.split(/row \d<\/div>/).slice(1);
  assert.equal(tables.length, 2);
  assert.deepEqual(row_cells(tables[0], "token_type_ids").map(Number), batch.token_type_ids[0] as number[]);
  assert.deepEqual(row_cells(tables[1], "attention_mask").map(Number), batch.attention_mask[1] as number[]);
  assert.ok((batch.attention_mask[1] as number[]).includes(0) || (batch.attention_mask[0] as number[]).includes(0));
  inputs.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("model output: a summary of fields, dtypes and shapes; keys, spread and dispose unchanged", async () => {
  const tokenizer = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased");
  const model = await BertForPreTraining.from_pretrained("bertlab/mini-bert-uncased");
  model.engine = "tfjs";
  const inputs = tokenizer("Hello, my dog is cute. ", { text_pair: "I like it", return_tensors: "tf" });
  dispose_output(model({ ...inputs, output_attentions: true })); // the first forward builds the model's caches
  const before = tf.memory().numTensors;
  const out = model({ ...inputs, output_attentions: true });
  const keys = Object.keys(out).filter((k) => (out as Record<string, unknown>)[k] !== undefined);
  assert.deepEqual(keys, ["prediction_logits", "seq_relationship_logits", "attentions"]);
  assert.equal(Object.getOwnPropertySymbols({ ...out }).length, 0, "spreading an output copies no display method");
  const b = await mime_bundle(out);
  const text = b!["text/plain"] as string;
  const lines = text.split("\n");
  assert.equal(lines[0], "BertForPreTraining output (engine: tfjs)");
  assert.match(text, /\n {2}prediction_logits +float32 \[1, 13, 30522\]\n/);
  assert.ok(lines.some((l) => l.includes("seq_relationship_logits") && l.includes("float32 [1, 2]") && l.endsWith(format_tensor(out.seq_relationship_logits))));
  assert.match(text, /\n {2}attentions +2 × float32 \[1, 4, 13, 13\]/);
  assert.match(b!["text/html"] as string, /<td[^>]*>prediction_logits<\/td><td[^>]*>float32 \[1, 13, 30522\]<\/td>/);
  const held = tf.memory().numTensors;
  await mime_bundle(out);
  assert.equal(tf.memory().numTensors, held, "the summary makes no tensors");
  dispose_output(out);
  assert.equal(tf.memory().numTensors, before);
  inputs.dispose();
});

test("chart: the bundle show sends — a valid vega-lite v5 spec, an SVG and a PNG with ink, text", async () => {
  const chart = plot_schedules(["linear", "cosine"], { num_warmup_steps: 10, num_training_steps: 100, lr_lambda: (name) => (s) => (name === "linear" ? 1 - s / 100 : Math.cos(s / 64)) });
  assert.deepEqual(Object.keys(chart), ["library", "spec", "title"], "the display method is not an enumerable key");
  assert.equal(JSON.stringify(chart).includes("Jupyter"), false);
  const b = await mime_bundle(chart);
  assert.deepEqual(Object.keys(b!), [VEGA_LITE_MIME, "image/svg+xml", "image/png", "text/plain"]);
  const spec = b![VEGA_LITE_MIME] as Record<string, unknown>;
  assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  const compiled = await vega_lite_to_vega(spec);
  assert.deepEqual(compiled.warnings.filter((w) => w.level !== "debug"), []);
  assert.ok(Array.isArray(compiled.spec.marks) && compiled.spec.marks.length > 0);
  const png = decode_png(Buffer.from(b!["image/png"] as string, "base64"));
  assert.ok(png.width > 600 && count_ink(png) > 5000, `PNG ${png.width}×${png.height}`);
  assert.match(b!["image/svg+xml"] as string, /^<svg[\s\S]*Learning-rate schedules/);
  assert.match(b!["text/plain"] as string, /^<VegaLite chart: Learning-rate schedules/);
});

test("show / live / display publish through Symbol.for('bertlab.kernel') when it exists (no files, no tslab)", async () => {
  const bars = plot_class_probabilities([0.1, 0.9], ["not paraphrase", "is paraphrase"]);
  const shown = await with_fake_kernel(() => show(bars));
  assert.equal(shown.length, 1);
  assert.deepEqual(Object.keys(shown[0].bundle.data), [VEGA_LITE_MIME, "image/svg+xml", "image/png", "text/plain"]);
  assert.deepEqual(shown[0].opts ?? {}, {});
  assert.ok(decode_png(Buffer.from(shown[0].bundle.data["image/png"] as string, "base64")).width > 0);

  const cb = live((h) => vega_lite({ mark: "point", data: { values: h }, encoding: {} }, `n=${h.length}`), { static: false, every_ms: 0 });
  const lived = await with_fake_kernel(async () => {
    cb.on_train_begin();
    cb.on_log({}, { log_history: [{ loss: 1 }] });
    await cb.flush();
    cb.on_train_end({}, { log_history: [{ loss: 1 }, { loss: 0.5 }] });
    await cb.flush();
  });
  assert.equal(lived.length, 3);
  assert.ok(lived.every((c) => c.opts?.display_id === cb.display_id));
  assert.deepEqual(lived.map((c) => !!c.opts?.update), [false, true, true]);
  assert.equal(lived[2].bundle.data["text/plain"], "<VegaLite chart: n=2>");

  // An object written for Deno's kernel renders here too; display() sends one output per value.
  const deno_style = { [Symbol.for("Jupyter.display")]: async () => ({ "text/markdown": "**hi**", "text/plain": "hi" }) };
  const t = tf.tensor1d([1, 2, 3], "int32");
  const displayed = await with_fake_kernel(() => display(deno_style, t, "plain text"));
  assert.deepEqual(displayed.map((c) => c.bundle.data["text/plain"]), ["hi", "tensor([1, 2, 3])", "plain text"]);
  assert.equal(displayed[0].bundle.data["text/markdown"], "**hi**");
  t.dispose();
  await assert.rejects(mime_bundle({ [Symbol.for("Jupyter.display")]: () => 42 }), /must return a MIME bundle object/);
});
