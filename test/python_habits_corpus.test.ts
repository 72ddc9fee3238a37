// The Hugging Face docs' pipeline, tokenizer, model and training examples ported line for line
// (fixtures/types/python_habits_corpus.ts): TS 5.0 (tslab's compiler) compiles them against bertlab's built .d.ts
// with no cast, then they run (a child process importing "bertlab", i.e. dist/) and give Python's shapes of values.
// fixtures/types/python_habits_narrow.ts pins the narrowed types themselves (exact types, both ways).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BUILT, TYPES_DIR as DIR, diagnostics, ts } from "./helpers/ts50";

const skip = fs.existsSync(BUILT) ? false : "needs the build (npm run build): the corpus imports bertlab's dist";

test("the ported corpus has no casts, no `any`, no non-null assertions, and TS 5.0 compiles it (strict and not)", { skip }, () => {
  assert.equal(ts.version, "5.0.4");
  const code = fs.readFileSync(path.join(DIR, "python_habits_corpus.ts"), "utf8").split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");
  assert.doesNotMatch(code, /\bas\s+(any|unknown|[A-Z]\w*|\{)/, "no `as` casts");
  assert.doesNotMatch(code, /\bany\b/, "no any");
  assert.doesNotMatch(code, /\w[!]\.|\w[!]\)|\][!]/, "no non-null assertions");
  assert.doesNotMatch(code, /@ts-(ignore|expect-error|nocheck)/);
  for (const strict of [false, true]) assert.deepEqual(diagnostics("python_habits_corpus.ts", strict), [], `strict=${strict}`);
});

test("the narrowed types are exact: one input → one result, a batch → an array, top_k / aggregation_strategy / labels / output_attentions decide", { skip }, () => {
  assert.deepEqual(diagnostics("python_habits_narrow.ts", true), []);
  // and a wide input gets the union, so a precise claim about it does not compile
  const got = diagnostics("python_habits_narrow_fail.ts", true);
  const lines = fs.readFileSync(path.join(DIR, "python_habits_narrow_fail.ts"), "utf8").split("\n");
  const expected = lines.flatMap((l, i) => (l.endsWith("; // error") ? [i + 1] : []));
  assert.ok(expected.length >= 6);
  assert.deepEqual([...new Set(got.map((d) => d.line))].sort((a, b) => a - b), expected, JSON.stringify(got, null, 1));
});

test("the corpus runs and gives Python's values: preds[0].token_str, result.answer, logits.argmax(-1), loss.item() after zero_grad()", { skip, timeout: 240_000 }, () => {
  const runner = path.join(DIR, ".run-corpus.mjs");
  fs.writeFileSync(runner, 'const m = await import(process.argv[2]);\nprocess.stdout.write("\\nCORPUS " + JSON.stringify(await m.run()) + "\\n");\n');
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, ["--import", "tsx", runner, path.join(DIR, "python_habits_corpus.ts")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 230_000 });
  } finally {
    fs.rmSync(runner, { force: true });
  }
  const line = stdout.split("\n").find((l) => l.startsWith("CORPUS "));
  assert.ok(line, stdout.slice(-2000));
  const r = JSON.parse(line.slice(7)) as Record<string, unknown>;
  // fill-mask: one mask → a list of 5 records; two masks → one list per mask; a batch → one list per text
  assert.equal(typeof r.fill_token_str, "string");
  assert.ok((r.fill_score as number) > 0 && (r.fill_score as number) < 1);
  const seqs = r.fill_sequences as string[];
  assert.equal(seqs.length, 5);
  assert.ok(seqs[0].startsWith("the capital of france is ") && seqs[0].includes(r.fill_token_str as string), seqs[0]);
  assert.equal((r.fill_two_masks as string[]).length, 2);
  assert.equal((r.fill_batch as string[]).length, 2);
  assert.equal(r.fill_top_k, 2);
  // text classification: the legacy [{label, score}] for a text, records for a batch, every label with top_k=None
  assert.ok(["POSITIVE", "NEGATIVE"].includes(r.cls_label as string));
  for (const l of r.cls_lines as string[]) assert.match(l, /^label: (POSITIVE|NEGATIVE), with score: 0\.\d{4}$/);
  assert.deepEqual([...(r.cls_all as string[])].sort(), ["NEGATIVE", "POSITIVE"]);
  // question answering: one record by default, a list with top_k=3; the answer is the context's slice
  assert.match(r.qa_line as string, /^score: \d\.\d{4}, start: \d+, end: \d+, answer: .+$/);
  assert.equal(r.qa_answer_in_context, true);
  assert.equal(r.qa_top3_is_list, true);
  // ner: per-token records, grouped records with aggregation_strategy
  const rows = r.ner_rows as { entity: string; index: number; word: string }[];
  assert.ok(rows.length > 0 && rows.every((x) => /^[BI]-(MISC|PER|ORG|LOC)$/.test(x.entity) && Number.isInteger(x.index)));
  assert.ok((r.ner_groups as string[]).every((g) => ["MISC", "PER", "ORG", "LOC"].includes(g)));
  // tokenizer: HF's ids and decoding
  assert.equal(r.tok_decoded, "[CLS] do not meddle in the affairs of wizards, for they are subtle and quick to anger. [SEP]");
  assert.equal(r.tok_first_id, 101);
  const lens = r.tok_batch_row_lengths as number[];
  assert.ok(lens.length === 3 && lens.every((n) => n === lens[0]), "padding=True: equal rows");
  assert.deepEqual(r.tok_tokens, ["[CLS]", "do", "not"]);
  // models: argmax / max / item / at on outputs; loss present with labels; attentions with output_attentions
  assert.deepEqual((r.model_max as { indices: number[] }).indices, r.model_argmax);
  assert.ok(Math.abs((r.model_prob_row_sum as number) - 1) < 1e-5);
  assert.ok((r.model_loss as number) > 0);
  const [b, heads, q, k] = r.model_attention_shape as number[];
  assert.deepEqual([b, heads, q], [2, 4, k], "[batch, heads, seq, seq]");
  assert.equal(r.model_hidden_dim, 3);
  assert.equal(r.qa_manual_tokens, true);
  assert.equal(r.mlm_manual, r.fill_token_str, "the hand-written fill-mask gives the pipeline's top answer");
  // training: three losses read after zero_grad(), and the kept ones stacked
  const losses = r.train_losses as number[];
  assert.equal(losses.length, 3);
  assert.ok(losses.every((l) => Number.isFinite(l) && l > 0));
  assert.ok(Math.abs((r.train_mean as number) - losses.reduce((a, b) => a + b) / 3) < 1e-6, "torch.stack(kept).mean() equals the mean of the items");
  assert.equal(r.lr, 0, "linear schedule at its end");
});
