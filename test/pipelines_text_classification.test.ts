// text-classification / sentiment-analysis against transformers 4.31's TextClassificationPipeline
// (test/fixtures/pipelines/text_classification*/cases.json; the 3-label model in test/fixtures/checkpoints,
// the multi-label config in test/fixtures/pipelines/text_classification_multilabel).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { tf } from "../src/backend";
import { BertConfig, BertForSequenceClassification, BertForTokenClassification } from "../src/models";
import { pipeline, pipeline_warnings, TextClassificationPipeline } from "../src/pipelines";
import { assert_close, call, capture_warnings, CHECKPOINTS, FIXTURES, load_calls } from "./fixtures/pipelines/golden";

const calls = load_calls("text_classification");
const multi = load_calls("text_classification_multilabel");
const MODEL = path.join(CHECKPOINTS, "text_classification");
let pipe: TextClassificationPipeline;
let multiPipe: TextClassificationPipeline;

before(async () => {
  pipe = await pipeline("sentiment-analysis", MODEL, { use_fast: false });
  // Post-processing of the multi-label goldens needs the model's config only (problem_type, labels).
  const config = new BertConfig(JSON.parse(fs.readFileSync(path.join(FIXTURES, "text_classification_multilabel", "config.json"), "utf8")));
  multiPipe = new TextClassificationPipeline(new BertForSequenceClassification(config), pipe.tokenizer);
});

function inputsOf(arg: unknown): unknown[] {
  return Array.isArray(arg) ? arg : [arg];
}

describe("text-classification preprocessing", () => {
  for (const c of [...calls, ...multi]) {
    test(c.id, () => {
      inputsOf(c.args[0]).forEach((x, i) => {
        const enc = pipe.preprocess(x as string);
        const want = c.forwards[i].model_inputs;
        assert.deepEqual(enc.input_ids, want.input_ids[0]);
        assert.deepEqual(enc.token_type_ids, want.token_type_ids[0]);
        assert.deepEqual(enc.attention_mask, want.attention_mask[0]);
      });
    });
  }
});

describe("text-classification postprocessing on the recorded logits", () => {
  for (const [name, list, p] of [["3 labels", calls, () => pipe], ["multi-label", multi, () => multiPipe]] as const) {
    for (const c of list) {
      test(`${name}: ${c.id}`, async () => {
        const [params, warnings] = await capture_warnings(pipeline_warnings, async () => p().sanitize(c.kwargs));
        assert.deepEqual(warnings, c.warnings ?? []);
        const outs = c.forwards.map((f) => p().postprocess(f.logits[0], params));
        const single = !Array.isArray(c.args[0]);
        // The call wraps a single text's legacy answer in a list (checked end to end below).
        const legacyWrap = typeof c.args[0] === "string" && !("top_k" in c.kwargs);
        assert_close(single ? (legacyWrap ? [outs[0]] : outs[0]) : outs, c.output);
      });
    }
  }
});

describe("text-classification end to end", () => {
  for (const c of calls) {
    test(c.id, async () => {
      const [out, warnings] = await capture_warnings(pipeline_warnings, () => pipe(c.args[0] as string, c.kwargs));
      assert_close(out, c.output);
      assert.deepEqual(warnings, c.warnings ?? []);
    });
  }

  test("the model's logits match the recorded ones", () => {
    for (const c of calls) {
      inputsOf(c.args[0]).forEach((x, i) => {
        const got = pipe.forward(pipe.preprocess(x as string));
        got.forEach((v, j) => assert.ok(Math.abs(v - c.forwards[i].logits[0][j]) < 1e-4, `${c.id}: logit ${j} ${v} vs ${c.forwards[i].logits[0][j]}`));
      });
    }
  });

  test("default score function: sigmoid for one label or multi-label, softmax for several", () => {
    const make = (cfg: object) => new TextClassificationPipeline(new BertForSequenceClassification(new BertConfig({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, vocab_size: 10, ...cfg })), pipe.tokenizer);
    assert.equal(make({ num_labels: 1 }).default_function(), "sigmoid");
    assert.equal(make({ num_labels: 1, problem_type: "regression" }).default_function(), "sigmoid");
    assert.equal(make({ num_labels: 3, problem_type: "regression" }).default_function(), "softmax");
    assert.equal(make({ num_labels: 2, problem_type: "multi_label_classification" }).default_function(), "sigmoid");
    assert.equal(make({ num_labels: 2 }).default_function(), "softmax");
    const one = make({ num_labels: 1 });
    assert_close(one.postprocess([0.5], one.sanitize({})), { label: "LABEL_0", score: 1 / (1 + Math.exp(-0.5)) });
  });

  test("legacy shapes: a single text gives a list; a pair record or a list gives records", async () => {
    const t = "I love this movie, it is wonderful!";
    assert.equal((await pipe(t)).length, 1);
    assert.ok(!Array.isArray(await pipe({ text: t })));
    const top2 = (await pipe([t], { top_k: 2 })) as unknown[][];
    assert.equal(top2.length, 1);
    assert.equal(top2[0].length, 2);
    // top_k given to pipeline() is a default, but the list wrapping follows the call (as Python's __call__).
    const p2 = new TextClassificationPipeline(pipe.model, pipe.tokenizer, { top_k: null });
    assert_close(await p2(t), [call(calls, "top_k_none").output]);
  });

  test("bad inputs and options fail clearly", async () => {
    await assert.rejects(() => pipe([["a", "b"]] as never), /if you are trying to send text pairs, you can try to send a dictionary `\{"text": "My text", "text_pair": "My pair"\}`/);
    await assert.rejects(() => pipe("x", { function_to_apply: "relu" as never }), /function_to_apply must be 'softmax', 'sigmoid' or 'none', got "relu"/);
    await assert.rejects(() => pipe("x", { top_k: 0 }), /top_k must be an integer >= 1, got number 0/);
    await assert.rejects(() => pipe({ text: "a", pair: "b" } as never), /a text pair is \{ text, text_pair \}; unexpected key\(s\) \["pair"\]/);
    await assert.rejects(() => pipe(42 as never), /expected a text, a \{ text, text_pair \} record, or an array of them, got number 42/);
  });

  test("pipeline(): aliases, unknown tasks, model classes and tokenizers", async () => {
    await assert.rejects(() => pipeline("summarization", MODEL), /Unknown task summarization, available tasks are \["fill-mask","text-classification","token-classification","question-answering","sentiment-analysis","ner"\]/);
    await assert.rejects(() => pipeline("text-classification", null), /give a model \(a hub id, a folder, or a model instance\)/);
    const tokenModel = new BertForTokenClassification(new BertConfig({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, vocab_size: 10 }));
    await assert.rejects(() => pipeline("text-classification", tokenModel, { tokenizer: pipe.tokenizer }), /The model 'BertForTokenClassification' is not supported for text-classification\. Supported models are \["BertForSequenceClassification"\]/);
    const unnamed = new BertForSequenceClassification(pipe.model.config.copy({ _name_or_path: "" }));
    await assert.rejects(() => pipeline("text-classification", unnamed), /Impossible to guess which tokenizer to use/);
    // A model instance loaded from a folder finds its tokenizer there.
    const p = await pipeline("text-classification", pipe.model, { use_fast: false, top_k: 2 });
    assert.equal(p.task, "text-classification");
    assert_close(await p("I love this movie, it is wonderful!"), [call(calls, "top_k_2").output]);
  });

  test("batch_size: padded batches give the same scores", async () => {
    const inputs = [...calls.flatMap((c) => inputsOf(c.args[0]))] as string[];
    assert_close(await pipe(inputs, { top_k: null, batch_size: 4 }), await pipe(inputs, { top_k: null }), 1e-5);
  });

  test("the output feeds plots' plot_class_probabilities", async () => {
    const { plot_class_probabilities } = await import("../plots");
    const chart = plot_class_probabilities(await pipe("I love this movie, it is wonderful!", { top_k: null }));
    assert.match(JSON.stringify(chart), /NEGATIVE: 75%/);
  });

  test("no tensors leak", async () => {
    await pipe("warm up");
    const n = tf.memory().numTensors;
    await pipe(["I love this movie, it is wonderful!", { text: "Is it raining?", text_pair: "The sun is shining." }], { top_k: null });
    assert.equal(tf.memory().numTensors, n);
  });
});
