// Errors that name the right function (src/explain/wrong_input.ts): a sibling's output, a model's whole output
// record or a chart given to a plot / explain function says whose output it is and the call that takes it;
// neuron_view(attentions, tokens) says to call attention_details — at run time and as TS 5.0's type error.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { tf, ready } from "../src/backend";
import { attention_details, attention_entropy, attention_flow, attention_rollout, head_importance, integrated_gradients, logit_lens } from "../src/explain";
import { NEURON_VIEW_HINT, producer_of } from "../src/explain/wrong_input";
import { BertForMaskedLM, BertForSequenceClassification } from "../src/models";
import {
  head_view, model_view, neuron_view, neuron_view_static, plot_attention, plot_attention_grid, plot_class_probabilities, plot_head_importance,
  plot_logit_lens, plot_rollout, plot_token_attributions, plot_token_classification, token_attribution_html,
} from "../plots";

const CFG = { vocab_size: 30, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 16, num_labels: 2 };
const TOKENS = ["[CLS]", "a", "b", "[SEP]"];
const inputs = () => ({ input_ids: tf.tensor2d([[2, 5, 6, 3]], undefined, "int32") });

test("a sibling's output names the function that draws it, with the call", async () => {
  await ready();
  const clf = new BertForSequenceClassification(CFG);
  clf.eval();
  const enc = inputs();
  const out = clf({ ...enc, output_attentions: true });
  const att = out.attentions;
  const rollout = attention_rollout(att);
  const flow = attention_flow(att);
  assert.equal(producer_of(rollout), "attention_rollout");
  const cases: [() => unknown, string][] = [
    [() => plot_attention(rollout, TOKENS), "plot_attention: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => plot_attention_grid(flow, TOKENS), "plot_attention_grid: this is attention_flow's output; draw it with plot_rollout(flow, tokens)"],
    [() => head_view(rollout, TOKENS), "head_view: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => model_view(rollout, TOKENS), "model_view: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => attention_rollout(rollout as never), "attention_rollout: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => attention_entropy(out as never), "attention_entropy: attentions got a model's whole output record; pass its attentions: attention_entropy(outputs.attentions, ...)"],
    [() => plot_attention(out, TOKENS), "plot_attention: attentions got a model's whole output record; pass its attentions: plot_attention(outputs.attentions, ...)"],
    [() => plot_class_probabilities(out, ["neg", "pos"]), "plot_class_probabilities: scores got a model's whole output record; pass its logits: plot_class_probabilities(outputs.logits, ...)"],
    [() => plot_token_classification(rollout, TOKENS, ["O", "X"]), "plot_token_classification: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => plot_attention(plot_rollout(rollout, TOKENS), TOKENS), "plot_attention: attentions is already a chart; display it with show(chart)"],
  ];
  const ig = integrated_gradients(clf, enc, { target: 1, n_steps: 4, special_ids: [2, 3] });
  cases.push(
    [() => plot_rollout(ig, TOKENS), "plot_rollout: this is integrated_gradients's output; draw it with token_attribution_html(ig) or plot_token_attributions(ig)"],
    [() => plot_head_importance(rollout), "plot_head_importance: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => plot_logit_lens(ig as never), "plot_logit_lens: this is integrated_gradients's output; draw it with token_attribution_html(ig) or plot_token_attributions(ig)"],
    [() => token_attribution_html(rollout as never), "token_attribution_html: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
  );
  const details = attention_details(clf, enc);
  cases.push(
    [() => plot_attention(details, TOKENS), "plot_attention: this is attention_details's output; draw it with neuron_view(details) (or neuron_view_static(details))"],
    [() => neuron_view(rollout as never), "neuron_view: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)"],
    [() => neuron_view(att as never, TOKENS), `neuron_view: ${NEURON_VIEW_HINT}`],
    [() => neuron_view_static(att as never), `neuron_view_static: ${NEURON_VIEW_HINT.replace("neuron_view(", "neuron_view_static(")}`],
  );
  for (const [call, message] of cases) assert.throws(call, { message });
  // the right calls still work, and a sibling function's accepted input is not refused
  for (const ok of [() => plot_rollout(rollout, TOKENS), () => plot_rollout(flow, TOKENS), () => plot_token_attributions(ig), () => token_attribution_html(ig), () => neuron_view(details), () => plot_attention(att, TOKENS), () => plot_class_probabilities(out.logits, ["neg", "pos"], { from_logits: true })]) {
    assert.doesNotThrow(ok);
  }
  tf.dispose([...Object.values(enc), out.logits, ...att]);
  clf.dispose();
});

test("logit_lens and head_importance results are recognised and sent to their plots", async () => {
  await ready();
  const mlm = new BertForMaskedLM(CFG);
  mlm.eval();
  const enc = inputs();
  const lens = logit_lens(mlm, enc, { position: 1, top_k: 2 });
  assert.throws(() => plot_attention(lens, TOKENS), { message: "plot_attention: this is logit_lens's output; draw it with plot_logit_lens(lens)" });
  assert.doesNotThrow(() => plot_logit_lens(lens));
  const clf = new BertForSequenceClassification(CFG);
  const hi = head_importance(clf, [{ ...enc, labels: tf.tensor1d([1], "int32") }]);
  assert.throws(() => plot_rollout(hi, TOKENS), { message: "plot_rollout: this is head_importance's output; draw it with plot_head_importance(result)" });
  assert.doesNotThrow(() => plot_head_importance(hi));
  tf.dispose(Object.values(enc));
  mlm.dispose();
  clf.dispose();
});

test("TS 5.0: neuron_view(attentions, tokens) is a type error whose message says to call attention_details", { skip: fs.existsSync(path.join(__dirname, "../dist/src/index.d.ts")) ? false : "needs the build" }, () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
  const file = path.join(__dirname, "fixtures/types", `.neuron-view-${process.pid}.ts`);
  fs.writeFileSync(file, 'import { neuron_view, tf } from "bertlab";\ndeclare const att: tf.Tensor4D[];\nneuron_view(att, ["[CLS]", "a"]);\nexport {};\n');
  try {
    const program = ts.createProgram([file], { noEmit: true, strict: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], skipLibCheck: true, types: ["node"] });
    const text = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("\n");
    assert.ok(text.includes(NEURON_VIEW_HINT), text);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
