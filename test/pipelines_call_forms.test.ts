// Python's keyword form of pipeline(): pipeline(task, { model, tokenizer, ...options }) gives the same
// pipeline as the positional form, on the transformers 4.31 goldens (test/fixtures/pipelines).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { FillMaskPipeline, TextClassificationPipeline, pipeline } from "../src/pipelines";
import { BertTokenizer } from "../src/tokenizers";
import { assert_close, call, CHECKPOINTS, FIXTURES, load_calls } from "./fixtures/pipelines/golden";

const FILL = path.join(FIXTURES, "fill_mask", "model");
const CLS = path.join(CHECKPOINTS, "text_classification");

test("pipeline('fill-mask', { model, ...options }): the keyword form, options as call defaults, matches 4.31", async () => {
  const pipe = await pipeline("fill-mask", { model: FILL, use_fast: false, model_kwargs: { quiet: true }, top_k: 1 });
  assert.ok(pipe instanceof FillMaskPipeline);
  assert.equal(pipe.tokenizer.constructor.name, "BertTokenizer");
  assert_close(await pipe("Paris is the [MASK] of France."), call(load_calls("fill_mask"), "top_k1").output);
});

test("pipeline(task, { model, tokenizer }) with a model instance and a tokenizer instance; a third argument adds options", async () => {
  const base = await pipeline("text-classification", CLS, { model_kwargs: { quiet: true } });
  const tokenizer = await BertTokenizer.from_pretrained(CLS);
  const kw = await pipeline("sentiment-analysis", { model: base.model, tokenizer }, { function_to_apply: "none" });
  assert.ok(kw instanceof TextClassificationPipeline);
  assert.equal(kw.model, base.model);
  assert.equal(kw.tokenizer, tokenizer);
  const c = call(load_calls("text_classification"), "fn_none"); // kwargs { top_k: None, function_to_apply: 'none' }
  assert_close(await kw(c.args[0] as string, { top_k: null }), c.output);
});

test("the keyword form's errors: a key given twice, a bad model, no model where bertlab has no default", async () => {
  await assert.rejects(() => pipeline("fill-mask", { model: FILL, top_k: 1 }, { top_k: 2 }), /pipeline\('fill-mask'\): 'top_k' is given twice \(in the second and the third argument\)/);
  await assert.rejects(() => pipeline("text-classification", {}), /pipeline\('text-classification'\): give a model \(a hub id, a folder, or a model instance\)/);
  await assert.rejects(() => pipeline("fill-mask", { model: 42 as never }), /pipeline\('fill-mask'\): model must be a hub id, a folder or a bertlab model, got number/);
});
