// Gradients of the loss w.r.t. every parameter against torch autograd (1e-4), including the tied
// word-embedding / MLM-decoder weight whose gradient is the sum of both uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, hf_name, BertForSequenceClassification, BertForPreTraining, BertPreTrainedModel, masked_lm_loss } from "../src";
import { loadCase, inputsOf, assertClose } from "./fixtures/models/golden";

type LossFn = (model: BertPreTrainedModel, inputs: Record<string, tf.Tensor>) => tf.Scalar;
const own_loss: LossFn = (model, inputs) => (model.forward(inputs) as { loss?: tf.Scalar }).loss!;

async function checkGrads(name: string, cls: { from_pretrained(d: string, o?: object): Promise<BertPreTrainedModel> }, loss_fn: LossFn = own_loss): Promise<number> {
  await ready();
  const c = loadCase(name);
  const model = await cls.from_pretrained(c.dir, { quiet: true });
  const inputs = { ...inputsOf(c, "in."), ...inputsOf(c, "label.") };
  const { value, grads } = tf.variableGrads(() => loss_fn(model, inputs as Record<string, tf.Tensor>));
  assert.ok(Math.abs(value.dataSync()[0] - c.meta.loss!) < 1e-4, `loss ${value.dataSync()[0]} vs ${c.meta.loss}`);
  const expected = [...c.io.keys()].filter((k) => k.startsWith("grad.")).map((k) => k.slice(5));
  const got = Object.keys(grads).map(hf_name);
  // One gradient per unique variable, under HF's names (the tied decoder weight is the word embeddings).
  assert.deepEqual(got.slice().sort(), expected.slice().sort());
  assert.deepEqual(model.named_parameters().map(([n]) => n).sort(), expected.slice().sort());
  let worst = 0;
  for (const [vname, g] of Object.entries(grads)) worst = Math.max(worst, assertClose(g, c, `grad.${hf_name(vname)}`));
  assert.ok(worst < 1e-4);
  const labelled = (inputs as Record<string, tf.Tensor>).labels.notEqual(-100).sum().dataSync()[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  model.dispose();
  return labelled;
}

test("seq_cls_2: gradients of the cross-entropy loss match torch for all 41 parameters", () => checkGrads("seq_cls_2", BertForSequenceClassification));

test("pretraining_grads_tied: tied word-embedding gradient = MLM decoder use + embedding use, as torch", async () => {
  await checkGrads("pretraining_grads_tied", BertForPreTraining);
  // The decoder weight and the word embeddings are one variable; the bias likewise.
  const c = loadCase("pretraining_grads_tied");
  const model = await BertForPreTraining.from_pretrained(c.dir, { quiet: true });
  assert.equal(model.get_parameter("cls.predictions.decoder.weight"), model.get_parameter("bert.embeddings.word_embeddings.weight"));
  assert.equal(model.get_parameter("cls.predictions.decoder.bias"), model.get_parameter("cls.predictions.bias"));
  assert.equal(model.state_dict().size, model.named_parameters().length + 2);
  model.dispose();
});

test("pretraining_grads_tied: masked_lm_loss (the MLM decoder on the labelled rows only) gives torch's loss and gradients", async () => {
  const labelled = await checkGrads("pretraining_grads_tied", BertForPreTraining, (model, inputs) => masked_lm_loss(model as never, inputs));
  const c = loadCase("pretraining_grads_tied");
  const total = c.io.get("label.labels")!.shape.reduce((a, b) => a * b, 1);
  assert.ok(labelled > 0 && labelled < total, `the case labels some positions and ignores others (${labelled} of ${total})`);
});
