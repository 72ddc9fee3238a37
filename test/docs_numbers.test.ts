// Docs that cannot drift: every number the README and the model cards quote about the shipped models and the
// benchmark's model is checked against the file that holds it (config.json, eval_results.json, the weights'
// safetensors header, bench/random_bert.ts). A quote that differs from its source fails, naming both.
// Notebook texts are checked the same way (their .nb sources are built into the .ipynb).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { MINI_BERT } from "../bench/random_bert";

const ROOT = path.join(__dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const json = (f: string) => JSON.parse(read(f)) as Record<string, unknown>;

function parameters(file: string): number {
  const buf = fs.readFileSync(path.join(ROOT, file));
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<string, { shape: number[] }>;
  return Object.entries(header).filter(([k]) => k !== "__metadata__").reduce((s, [, v]) => s + v.shape.reduce((a, b) => a * b, 1), 0);
}

const MINI = "models/mini-bert-uncased";
const SENT = "models/mini-bert-uncased-sentiment";
const mini_cfg = json(`${MINI}/config.json`) as { hidden_size: number; num_hidden_layers: number };
const mini_eval = json(`${MINI}/eval_results.json`) as { steps: number; train_runtime_seconds: number; mlm_accuracy: number; unigram_accuracy: number; nsp_accuracy: number; nsp_majority_rate: number; mlm_by_input: { mask: { accuracy: number } } };
const sent_eval = json(`${SENT}/eval_results.json`) as { test_accuracy: number; majority_baseline_accuracy: number; random_init_control_accuracy: number };
const MRPC = "models/mini-bert-uncased-mrpc";
const mrpc_eval = json(`${MRPC}/eval_results.json`) as { metrics: Record<string, number>; baselines: Record<string, Record<string, number>> };
/** The paraphrase head's baseline whose name starts with `prefix` ("majority class", "word overlap"). */
const mrpc_baseline = (prefix: string) => Object.entries(mrpc_eval.baselines).find(([k]) => k.startsWith(prefix))![1];
const SQUAD = "models/mini-bert-uncased-squad";
const squad_eval = json(`${SQUAD}/eval_results.json`) as { steps: number; metrics: { exact_match: number; f1: number }; baselines: Record<string, { f1: number }> };
const squad_best_baseline_f1 = Math.max(...Object.values(squad_eval.baselines).map((b) => b.f1));

/**
 * One quote: in `file` (whitespace collapsed), `context`'s capture groups are numbers as quoted; each must equal the
 * source's value (`values`, in the quote's units) rounded to the decimals the quote shows ("78%" and "78.0%" both
 * match 0.780).
 */
interface Quote { file: string; context: RegExp; values: number[]; source: string }

const N = String.raw`([\d,]+(?:\.\d+)?)`;
const re = (s: string) => new RegExp(s.replace(/#/g, N));
const P = (x: number) => x * 100;
const mrpc_numbers = [P(mrpc_eval.metrics.accuracy), P(mrpc_baseline("word overlap").accuracy), P(mrpc_baseline("majority class").accuracy)];

const QUOTES: Quote[] = [
  { file: "README.md", context: re(String.raw`is a #M-parameter BERT \(hidden #, # layers\)`), values: [parameters(`${MINI}/model.safetensors`) / 1e6, mini_cfg.hidden_size, mini_cfg.num_hidden_layers], source: `${MINI}/model.safetensors (header) and config.json` },
  { file: "README.md", context: re(String.raw`# steps on the ONNX Runtime train graph \(# min`), values: [mini_eval.steps, mini_eval.train_runtime_seconds / 60], source: `${MINI}/eval_results.json (steps, train_runtime_seconds)` },
  { file: "README.md", context: re(String.raw`MLM #% \(always "the": #%\), #% at \x60\[MASK\]\x60 inputs, and NSP #% \(majority #%\)`), values: [P(mini_eval.mlm_accuracy), P(mini_eval.unigram_accuracy), P(mini_eval.mlm_by_input.mask.accuracy), P(mini_eval.nsp_accuracy), P(mini_eval.nsp_majority_rate)], source: `${MINI}/eval_results.json` },
  { file: "README.md", context: re(String.raw`MINI_BERT: hidden #, # layers`), values: [MINI_BERT.hidden_size, MINI_BERT.num_hidden_layers], source: "bench/random_bert.ts (MINI_BERT)" },
  { file: `${MINI}/README.md`, context: re(String.raw`MLM accuracy \(top-1 at the masked positions\) \| \*\*#%\*\* \| #%`), values: [P(mini_eval.mlm_accuracy), P(mini_eval.unigram_accuracy)], source: `${MINI}/eval_results.json` },
  { file: `${MINI}/README.md`, context: re(String.raw`NSP accuracy \| \*\*#%\*\* \| #%`), values: [P(mini_eval.nsp_accuracy), P(mini_eval.nsp_majority_rate)], source: `${MINI}/eval_results.json` },
  { file: `${SENT}/README.md`, context: re(String.raw`\*\*test accuracy\*\* \| \*\*#%\*\*`), values: [P(sent_eval.test_accuracy)], source: `${SENT}/eval_results.json (test_accuracy)` },
  { file: `${SENT}/README.md`, context: re(String.raw`majority-class baseline \(always \w+\) \| #%`), values: [P(sent_eval.majority_baseline_accuracy)], source: `${SENT}/eval_results.json (majority_baseline_accuracy)` },
  { file: `${SENT}/README.md`, context: re(String.raw`randomly initialised weights[^|]*\| #%`), values: [P(sent_eval.random_init_control_accuracy)], source: `${SENT}/eval_results.json (random_init_control_accuracy)` },
  { file: `${MRPC}/README.md`, context: re(String.raw`\*\*this model\*\* \| \*\*accuracy #%, f1 #%`), values: [P(mrpc_eval.metrics.accuracy), P(mrpc_eval.metrics.f1)], source: `${MRPC}/eval_results.json (metrics)` },
  { file: `${MRPC}/README.md`, context: re(String.raw`baseline: majority class \(always \w+\) \| accuracy #%, f1 #%`), values: [P(mrpc_baseline("majority class").accuracy), P(mrpc_baseline("majority class").f1)], source: `${MRPC}/eval_results.json (baselines)` },
  { file: `${MRPC}/README.md`, context: re(String.raw`baseline: word overlap ≥ [\d.]+ [^|]*\| accuracy #%, f1 #%`), values: [P(mrpc_baseline("word overlap").accuracy), P(mrpc_baseline("word overlap").f1)], source: `${MRPC}/eval_results.json (baselines)` },
  { file: "models/README.md", context: re(String.raw`the paraphrase head reaches #% held-out accuracy against #% for a tuned word-overlap threshold and #% for the majority class`), values: mrpc_numbers, source: `${MRPC}/eval_results.json` },
  { file: "scripts/README.md", context: re(String.raw`\x60mini-bert-uncased-mrpc\x60 reaches #% held-out accuracy against #% for the tuned word-overlap threshold \(majority #%\)`), values: mrpc_numbers, source: `${MRPC}/eval_results.json` },
  { file: "README.md", context: re(String.raw`the paraphrase head #% held-out accuracy vs a tuned word-overlap threshold's #%`), values: mrpc_numbers.slice(0, 2), source: `${MRPC}/eval_results.json` },
  { file: `${SQUAD}/README.md`, context: re(String.raw`\*\*this model\*\* \| \*\*exact_match #%, f1 #%`), values: [P(squad_eval.metrics.exact_match), P(squad_eval.metrics.f1)], source: `${SQUAD}/eval_results.json (metrics)` },
  { file: "README.md", context: re(String.raw`the QA head #% held-out F1 vs #%`), values: [P(squad_eval.metrics.f1), P(squad_best_baseline_f1)], source: `${SQUAD}/eval_results.json (metrics, baselines)` },
  { file: "scripts/README.md", context: re(String.raw`#,# steps, # min on one core\): EM #% / F1 #% \(best baseline #%\)`), values: [Math.floor(squad_eval.steps / 1000), squad_eval.steps % 1000, Math.round(squad_eval.train_runtime_seconds / 60), P(squad_eval.metrics.exact_match), P(squad_eval.metrics.f1), P(squad_best_baseline_f1)], source: `${SQUAD}/eval_results.json (steps, train_runtime_seconds, metrics, baselines)` },
  { file: "models/README.md", context: re(String.raw`\x60mini-bert-uncased-squad\x60 answers #% of its held-out questions exactly \(F1 #%; the best baseline's F1 #%\)`), values: [P(squad_eval.metrics.exact_match), P(squad_eval.metrics.f1), P(squad_best_baseline_f1)], source: `${SQUAD}/eval_results.json (metrics, baselines)` },
];

// The notebooks' quotes of the same numbers (notebooks/src/*.nb are the sources; the .ipynb are built from them).
const NOTEBOOK_QUOTES: Quote[] = [
  { file: "notebooks/src/01-bert-heads-walkthrough.nb", context: re(String.raw`2 layers; #% held-out accuracy on its generated pairs, against #% for a tuned word-overlap threshold`), values: mrpc_numbers.slice(0, 2), source: `${MRPC}/eval_results.json` },
  { file: "notebooks/06-explain.ipynb", context: re(String.raw`mini-bert-uncased-sentiment\x60 \(#% on held-out`), values: [P(sent_eval.test_accuracy)], source: `${SENT}/eval_results.json (test_accuracy)` },
];

function check(quotes: Quote[]): string[] {
  const wrong: string[] = [];
  for (const q of quotes) {
    const m = read(q.file).replace(/\s+/g, " ").match(q.context);
    if (!m) {
      wrong.push(`${q.file}: the quote ${q.context} is gone (update this test with the new wording)`);
      continue;
    }
    q.values.forEach((v, i) => {
      const text = m[i + 1];
      const decimals = text.includes(".") ? text.split(".")[1].length : 0;
      const quoted = Number(text.replace(/,/g, ""));
      const rounded = Number(v.toFixed(decimals));
      if (quoted !== rounded) wrong.push(`${q.file}: "${m[0]}" quotes ${text} — ${q.source} says ${rounded}`);
    });
  }
  return wrong;
}

test("the README's and model cards' numbers are the ones in config.json, eval_results.json, the weights and the bench config", () => {
  assert.deepEqual(check(QUOTES), []);
});

test("a quote that differs from its source is caught (the checker itself)", () => {
  const wrong = check([{ file: "README.md", context: re(String.raw`M-parameter BERT \(hidden #, # layers\)`), values: [256, 4], source: "a bench config" }]);
  assert.deepEqual(wrong, [
    'README.md: "M-parameter BERT (hidden 128, 2 layers)" quotes 128 — a bench config says 256',
    'README.md: "M-parameter BERT (hidden 128, 2 layers)" quotes 2 — a bench config says 4',
  ]);
});

test("the notebooks quote the same numbers", () => {
  assert.deepEqual(check(NOTEBOOK_QUOTES), []);
});
