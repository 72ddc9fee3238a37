// fill-mask against transformers 4.31's FillMaskPipeline (test/fixtures/pipelines/fill_mask: cases.json,
// the [MASK] logits rows in logits.safetensors, and the tiny random BertForMaskedLM they came from).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { tf } from "../src/backend";
import { FillMaskPipeline, PipelineException, pipeline, pipeline_warnings } from "../src/pipelines";
import { BertForPreTraining } from "../src/models";
import { assert_close, call, capture_warnings, CHECKPOINTS, FIXTURES, fill_mask_rows, load_calls } from "./fixtures/pipelines/golden";

const calls = load_calls("fill_mask");
const MODEL = path.join(FIXTURES, "fill_mask", "model");
let pipe: FillMaskPipeline;

before(async () => {
  pipe = await pipeline("fill-mask", MODEL, { use_fast: false, model_kwargs: { quiet: true } });
});

describe("fill-mask preprocessing (what the pipeline feeds the model)", () => {
  for (const c of calls.filter((c) => c.forwards.length)) {
    test(c.id, () => {
      const texts = (Array.isArray(c.args[0]) ? c.args[0] : [c.args[0]]) as string[];
      assert.equal(texts.length, c.forwards.length);
      texts.forEach((t, i) => {
        const f = c.forwards[i];
        const got = pipe.preprocess(t);
        assert.deepEqual(got.input_ids, f.model_inputs.input_ids[0]);
        assert.deepEqual(got.token_type_ids, f.model_inputs.token_type_ids[0]);
        assert.deepEqual(got.attention_mask, f.model_inputs.attention_mask[0]);
        assert.deepEqual(got.masked_index, f.logits.rows_are_positions);
      });
    });
  }
});

describe("fill-mask postprocessing on the recorded logits", () => {
  for (const c of calls.filter((c) => c.output !== undefined)) {
    test(c.id, async () => {
      const [params] = await capture_warnings(pipeline_warnings, async () => pipe.sanitize(c.kwargs));
      const texts = (Array.isArray(c.args[0]) ? c.args[0] : [c.args[0]]) as string[];
      const outs = c.forwards.map((f) => pipe.postprocess({ input_ids: f.model_inputs.input_ids[0], masked_index: f.logits.rows_are_positions, logits: fill_mask_rows(f.logits.tensor) }, params));
      assert_close(texts.length > 1 ? outs : outs[0], c.output);
    });
  }
});

describe("fill-mask end to end (tokenizer + model + postprocessing)", () => {
  for (const c of calls.filter((c) => c.output !== undefined)) {
    test(c.id, async () => {
      const [out] = await capture_warnings(pipeline_warnings, () => pipe(c.args[0] as string, c.kwargs));
      assert_close(out, c.output);
    });
  }

  test("the model's logits at [MASK] match the recorded rows", () => {
    const c = call(calls, "two_masks");
    const f = c.forwards[0];
    const got = pipe.forward(pipe.preprocess(c.args[0] as string));
    const want = fill_mask_rows(f.logits.tensor);
    got.logits.forEach((row, k) => {
      let md = 0;
      for (let j = 0; j < row.length; j++) md = Math.max(md, Math.abs(row[j] - want[k][j]));
      assert.ok(md < 1e-4, `row ${k}: max |diff| ${md}`);
    });
  });

  test("no [MASK]: PipelineException with HF's text, before any forward", async () => {
    const c = call(calls, "no_mask_error");
    await assert.rejects(() => pipe(c.args[0] as string), (e: Error) => {
      assert.ok(e instanceof PipelineException);
      assert.equal(`${e.name}: ${e.message}`, c.error);
      return true;
    });
    // In a batch the bad text is named by the same error.
    await assert.rejects(() => pipe(["Hello [MASK].", "no mask"]), /No mask_token \(\[MASK\]\) found on the input/);
  });

  test("targets outside the vocabulary warn as HF and use their first token", async () => {
    const c = call(calls, "targets_multi_token_and_space");
    const [, warnings] = await capture_warnings(pipeline_warnings, () => pipe(c.args[0] as string, c.kwargs));
    assert.deepEqual(warnings, [
      "The specified target token ` pizza` does not exist in the model vocabulary. Replacing with `pizza`.",
      "The specified target token `huggingface` does not exist in the model vocabulary. Replacing with `hugging`.",
    ]);
    await assert.rejects(() => capture_warnings(pipeline_warnings, () => pipe("I like [MASK].", { targets: [" "] })), /At least one target must be provided when passed/);
    await assert.rejects(() => pipe("I like [MASK].", { top_k: 0 }), /top_k must be an integer >= 1, got number 0/);
  });

  test("a list of one text gives that text's result; options given to pipeline() are defaults", async () => {
    const one = await pipe(["Paris is the [MASK] of France."], { top_k: 1 });
    assert_close(one, call(calls, "top_k1").output);
    const p2 = new FillMaskPipeline(pipe.model, pipe.tokenizer, { top_k: 1 });
    assert_close(await p2("Paris is the [MASK] of France."), call(calls, "top_k1").output);
  });

  test("batch_size: padded batches give the same answers as one text per forward", async () => {
    const texts = ["Hello [MASK].", "My name is [MASK] and I live in [MASK].", "The capital of France is [MASK].", "[MASK]"];
    const one = await pipe(texts, { top_k: 3 });
    const n = tf.memory().numTensors;
    assert_close(await pipe(texts, { top_k: 3, batch_size: 3 }), one, 1e-5);
    assert.equal(tf.memory().numTensors, n);
    await assert.rejects(() => pipe(texts, { batch_size: 0 }), /fill-mask: batch_size must be an integer >= 1, got 0/);
  });

  test("a pipeline prints as its task, model and tokenizer", () => {
    const shown = require("util").inspect(pipe);
    assert.match(shown, /^FillMaskPipeline \{ task: 'fill-mask', model: BertForMaskedLM '.*fill_mask\/model', tokenizer: BertTokenizer '.*fill_mask\/model' \}$/);
  });

  test("the output feeds plots' plot_fill_mask (one panel per [MASK])", async () => {
    const { plot_fill_mask } = await import("../plots");
    const one = plot_fill_mask(await pipe("The capital of France is [MASK].")) as { spec: object };
    const two = plot_fill_mask(await pipe("The [MASK] sat on the [MASK].", { top_k: 3 })) as { spec: object };
    assert.match(JSON.stringify(one), /interceptor/);
    assert.match(JSON.stringify(two), /languages/);
  });

  test("no tensors leak", async () => {
    await pipe("The capital of France is [MASK].");
    const n = tf.memory().numTensors;
    await pipe(["Hello [MASK].", "My name is [MASK] and I live in [MASK]."], { top_k: 2 });
    await pipe("The capital of France is [MASK].", { targets: ["paris", "london"] });
    assert.equal(tf.memory().numTensors, n);
  });

  test("a BertForPreTraining checkpoint works too (prediction_logits)", async () => {
    const model = await BertForPreTraining.from_pretrained(path.join(CHECKPOINTS, "pretraining"), { quiet: true });
    const p = await pipeline("fill-mask", model, { tokenizer: pipe.tokenizer });
    const out = (await p("The capital of France is [MASK].", { top_k: 3 })) as { score: number }[];
    assert.equal(out.length, 3);
    assert.ok(out[0].score >= out[1].score && out[1].score >= out[2].score);
    p.dispose();
  });
});
