// The walkthrough's teaching heads (scripts/finetune-heads.ts, data from scripts/heads-data.ts) as they ship in models/:
// the generated data never contains the walkthrough's own sentences (or a near copy: a shared word 5-gram); each
// shipped head's held-out numbers are reproduced from the shipped weights and equal its eval_results.json, beat the
// baselines recorded there; and the pipelines give sensible answers on the walkthrough's examples.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification } from "../src/models";
import { pipeline } from "../src/pipelines";
import { BertTokenizer } from "../src/tokenizers";
import {
  LEAK_NGRAM, entity_lists, ner_sentences, qa_examples, walkthrough_sentences,
} from "../scripts/heads-data";
import { drop_leading_adjunct, paraphrase_pairs, phrase_paraphrase, possessive_swap, swap_coordination, swap_roles } from "../scripts/heads-paraphrase";
import { evaluate_ner, evaluate_paraphrase, evaluate_qa, overlap_threshold, type HeadModel } from "../scripts/finetune-heads";
import {
  coord_questions, count_questions, counts_of, elliptical_coord, qa_examples as mixed_qa_examples, object_questions, software_split, walkthrough_kind_examples,
  walkthrough_answers, walkthrough_qa, with_second_count, type QAShares,
} from "../scripts/heads-qa";
import { entities, entity_scores, exact_match, token_f1 } from "../scripts/heads-metrics";
import { Rng, ngrams, word_overlap } from "../scripts/heads-text";

const MODELS = path.join(__dirname, "..", "models");
const offline = { local_files_only: true, quiet: true };
const results_of = (name: string) => JSON.parse(fs.readFileSync(path.join(MODELS, name, "eval_results.json"), "utf8"));
const shipped = (name: string) => fs.existsSync(path.join(MODELS, name, "config.json"));
/** node:test's skip option: false when the head ships, else the reason. */
const unless_shipped = (name: string) => (shipped(name) ? false : `models/${name} is not shipped (it did not beat its baselines; scripts/README.md)`);

// The seed walkthrough's example sentences, written out here (independently of the extractor in heads-data.ts).
const SEED_SENTENCES = [
  "Hello, my dog is cute.", "I like it", "Hellp, my dog is cute",
  "The company HuggingFace is based in New York City", "Apples are especially bad for your health",
  "HuggingFace's headquarters are situated in Manhattan",
  "Hugging Face Inc. is a company based in New York City. Its headquarters are in DUMBO, therefore very close to the Manhattan Bridge.",
  "How many pretrained models are available in 🤗 Transformers?", "What does 🤗 Transformers provide?",
  "🤗 Transformers provides interoperability between which frameworks?",
  "🤗 Transformers (formerly known as pytorch-transformers and pytorch-pretrained-bert) provides general-purpose architectures (BERT, GPT-2, RoBERTa, XLM, DistilBert, XLNet…) for Natural Language Understanding (NLU) and Natural Language Generation (NLG) with over 32+ pretrained models in 100+ languages and deep interoperability between TensorFlow 2.0 and PyTorch.",
];

function assert_no_leak(texts: string[], what: string): void {
  const banned = new Map<string, string>();
  for (const s of [...SEED_SENTENCES, ...walkthrough_sentences()]) for (const g of ngrams(s, LEAK_NGRAM)) banned.set(g, s);
  for (const t of texts) {
    for (const g of ngrams(t, LEAK_NGRAM)) assert.ok(!banned.has(g), `${what}: "${t}" shares "${g}" with the walkthrough's "${banned.get(g)}"`);
    for (const s of SEED_SENTENCES) if (s.split(" ").length >= 4) assert.ok(word_overlap(t, s) < 0.8, `${what}: "${t}" is a near copy of "${s}"`);
  }
}

test("the walkthrough's sentences are found in notebook 01's source, and the leak check catches a near copy", () => {
  const found = walkthrough_sentences();
  for (const s of ["The company HuggingFace is based in New York City", "Apples are especially bad for your health", "What does 🤗 Transformers provide?"]) {
    assert.ok(found.includes(s), s);
  }
  assert.ok(found.some((s) => s.startsWith("🤗 Transformers (formerly known as")), "the QA context");
  assert.throws(() => assert_no_leak(["Yesterday the company HuggingFace is based in New York City, they said."], "probe"), /shares/);
  assert.doesNotThrow(() => assert_no_leak(["The company is based in Ohio."], "probe"));
});

test("the data each shipped head was trained and tested on never contains a walkthrough sentence or a near copy", () => {
  for (const [name, make] of [
    ["mini-bert-uncased-mrpc", (split: "train" | "test", n: number, seed: number) => paraphrase_pairs(split, n, seed).flatMap((p) => [p.sentence1, p.sentence2])],
    ["mini-bert-uncased-conll03", (split: "train" | "test", n: number, seed: number) => ner_sentences(split, n, seed).map((s) => s.words.join(" "))],
    ["mini-bert-uncased-squad", (split: "train" | "test", n: number, seed: number) => {
      // the recipe it was trained with: heads-data.ts's SOTU templates, or heads-qa.ts's mixed data at its shares
      const r = results_of("mini-bert-uncased-squad") as { qa_data?: string; qa_shares?: QAShares };
      const rows = r.qa_data === "mixed" ? mixed_qa_examples(split, n, seed, r.qa_shares) : qa_examples(split, n, seed);
      return rows.flatMap((q) => [q.question, q.context]);
    }],
  ] as const) {
    if (!shipped(name)) continue;
    const r = results_of(name);
    assert_no_leak(make("train", r.train_size, r.seed), `${name} training data`);
    assert_no_leak(make("test", r.test_size, r.seed), `${name} test data`);
  }
});

test("the SOTU-template QA data (--qa-data sotu, the first recipe) never contains a walkthrough sentence or a near copy", () => {
  for (const [split, n] of [["train", 2000], ["test", 300]] as const) {
    assert_no_leak(qa_examples(split, n, 42).flatMap((q) => [q.question, q.context]), `SOTU-template QA ${split} data`);
  }
});

test("the generators are seeded and split: the same seed gives the same data; training and test share no source sentence or held-out name", () => {
  assert.deepEqual(paraphrase_pairs("train", 40, 7), paraphrase_pairs("train", 40, 7));
  assert.notDeepEqual(paraphrase_pairs("train", 40, 7), paraphrase_pairs("train", 40, 8));
  const train = new Set(paraphrase_pairs("train", 400, 1).flatMap((p) => [p.sentence1, p.sentence2]));
  for (const p of paraphrase_pairs("test", 100, 1)) assert.ok(!train.has(p.sentence1) && !train.has(p.sentence2), p.sentence1);
  const pairs = paraphrase_pairs("train", 200, 3);
  assert.ok(pairs.every((p) => (p.label === 1) === (p.kind === "rewrite")));
  assert.equal(pairs.filter((p) => p.label === 1).length, 100);
  const lists = entity_lists();
  for (const type of ["ORG", "LOC", "MISC"] as const) {
    const held = new Set(lists.test[type]);
    assert.ok(held.size > 0 && lists.train[type].every((n) => !held.has(n)), type);
  }
  // first names and surnames are split separately: the few strings that are both (Duncan, Drake ...) can cross (< 5%)
  const train_per = new Set(lists.train.PER);
  const crossing = lists.test.PER.filter((n) => train_per.has(n)).length;
  assert.ok(crossing / lists.test.PER.length < 0.05, `${crossing} held-out PER names also in training`);
  for (const s of ner_sentences("test", 50, 2)) {
    assert.equal(s.words.length, s.tags.length);
    for (const e of entities(s.tags)) if (e.type !== "PER") assert.ok(!lists.train[e.type as "ORG"].includes(s.words.slice(e.start, e.end).join(" ")), s.words.join(" "));
  }
  for (const q of qa_examples("train", 30, 4)) assert.equal(q.context.slice(q.answer_start, q.answer_start + q.answer.length), q.answer);
});

test("paraphrase pairs are contrast sets with hard negatives: a tuned word-overlap threshold stays weak on both classes", () => {
  const test_pairs = paraphrase_pairs("test", 400, 5);
  const positives = test_pairs.filter((p) => p.label === 1);
  const negatives = test_pairs.filter((p) => p.label === 0);
  assert.equal(positives.length, 200);
  // each not-equivalent pair shares its source sentence with an equivalent pair
  const pos_sentences = new Set(positives.flatMap((p) => [p.sentence1, p.sentence2]));
  for (const n of negatives) assert.ok(pos_sentences.has(n.sentence1) || pos_sentences.has(n.sentence2), n.sentence1);
  // most negatives change one fact and keep the words: a changed number / name, a negation, swapped roles
  const hard = negatives.filter((p) => ["number", "entity", "negation", "roles"].includes(p.kind));
  assert.ok(hard.length >= 0.65 * negatives.length, `${hard.length} hard negatives of ${negatives.length}`);
  const mean = (xs: typeof test_pairs) => xs.reduce((a, p) => a + word_overlap(p.sentence1, p.sentence2), 0) / xs.length;
  assert.ok(Math.abs(mean(hard) - mean(positives)) < 0.1, `overlap: hard negatives ${mean(hard)}, positives ${mean(positives)}`);
  const th = overlap_threshold(paraphrase_pairs("train", 600, 5));
  const acc = test_pairs.filter((p) => (word_overlap(p.sentence1, p.sentence2) >= th ? 1 : 0) === p.label).length / test_pairs.length;
  assert.ok(acc > 0.5 && acc < 0.72, `word overlap ≥ ${th}: accuracy ${acc}`);
});

test("paraphrase rewrites and edits: what each one does to a sentence", () => {
  assert.equal(possessive_swap("We will restore the strength of America now."), "We will restore America's strength now.");
  assert.equal(possessive_swap("We will restore America's strength now."), "We will restore the strength of America now.");
  assert.equal(swap_coordination("We need schools and hospitals in every town."), "We need hospitals and schools in every town.");
  assert.equal(drop_leading_adjunct("Tonight, we renew that promise."), "We renew that promise.");
  assert.equal(phrase_paraphrase("Prices rose because of the war.", new Rng(1)), "Prices rose due to the war.");
  assert.equal(swap_roles("The nation moved from poverty to prosperity."), "The nation moved from prosperity to poverty.");
  assert.equal(swap_roles("We asked Germany to help France."), "We asked France to help Germany.");
  assert.equal(swap_roles("We thank Britain and France."), null, "coordinated names keep the meaning when swapped");
});

test("the QA generator's walkthrough kinds: object, count and coord questions answered by spans of their contexts", () => {
  const rng = new Rng(3);
  const s = "The toolkit provides command-line utilities (convert, inspect) for image files with over 40+ codecs in 12 containers.";
  assert.deepEqual(object_questions(s, rng).map((q) => q.answer), ["command-line utilities"]);
  assert.deepEqual(counts_of(s).map((c) => [c.num, c.noun]), [["40+", "codecs"], ["12", "containers"]]);
  for (const q of count_questions(s, "the toolkit", rng)) assert.match(q.question, /^How many (codecs|containers) /);
  assert.deepEqual(coord_questions("It converts documents between Markdown and LaTeX without losing tables.", true, rng).map((q) => q.answer), ["Markdown and LaTeX"]);
  const ex = walkthrough_kind_examples("train", 100, 5);
  assert.deepEqual(ex, walkthrough_kind_examples("train", 100, 5));
  assert.deepEqual([30, 40, 30], ["object", "count", "coord"].map((k) => ex.filter((x) => x.kind === k).length));
  for (const x of ex) {
    assert.equal(x.context.slice(x.answer_start, x.answer_start + x.answer.length), x.answer, x.question);
    if (x.kind === "count") assert.ok(counts_of(x.context).length >= 2, `a count question's context holds another count: ${x.context}`);
    if (x.kind === "coord") assert.match(x.answer, / and /);
  }
  // the variants: a list in parentheses after an object, a second count right after a count
  const big = walkthrough_kind_examples("train", 600, 5);
  const after = (x: (typeof big)[number]) => x.context.slice(x.answer_start + x.answer.length);
  const listed = big.filter((x) => x.kind === "object" && after(x).startsWith(" ("));
  assert.ok(listed.length >= 0.12 * big.filter((x) => x.kind === "object").length, `${listed.length} objects followed by a list`);
  const beside = big.filter((x) => x.kind === "count" && /^ [a-z -]+ (in|for|across|on|with|in over|for about|and) \d/.test(after(x)));
  assert.ok(beside.length >= 10, `${beside.length} counts with a second count right after`);
  // the software documents are split by document: every 10th held out
  const train_ids = new Set(software_split("train").map((d) => d.id));
  const test_docs = software_split("test");
  assert.ok(test_docs.length > 50 && test_docs.every((d) => !train_ids.has(d.id)));
});

test("the QA generator's variants: a pronoun subject named, a second count beside a count, a coordination asked with the middle left out", () => {
  const rng = new Rng(7);
  const named = object_questions("It provides portable bindings for the parser.", rng, "treeparse");
  assert.deepEqual(named.map((q) => q.answer), ["portable bindings"]);
  assert.match(named[0].question, /^What (does treeparse (provide|offer)|is provided by treeparse)\?$/);
  const s = "The viewer supports 40 codecs.";
  const v = with_second_count(s, counts_of(s)[0], { num: "12", noun: "containers" }, new Rng(1))!;
  assert.match(v.sentence, /^The viewer supports 40 codecs (in|for|across|on|with|in over|for about|and) 12\+? containers\.$/);
  for (const c of v.counts) assert.equal(v.sentence.slice(c.at, c.at + c.num.length), c.num);
  assert.deepEqual(counts_of(v.sentence).map((c) => c.noun), ["codecs", "containers"]);
  assert.equal(with_second_count(s, counts_of(s)[0], { num: "3", noun: "codecs" }, new Rng(1)), null, "the same noun twice tells nothing apart");
  const long = "Pandoc offers many readers and writers as well as faithful conversion between Markdown and LaTeX.";
  const [coord] = coord_questions(long, true, rng);
  assert.equal(coord.answer, "Markdown and LaTeX");
  for (let seed = 0; seed < 5; seed++) {
    const e = elliptical_coord(long, coord, "Pandoc offers", true, new Rng(seed))!;
    assert.match(e.question, /^Pandoc offers (faithful )?conversion between which \w+\?$/);
    assert.equal(e.answer, coord.answer);
  }
  assert.equal(elliptical_coord("It converts between Markdown and LaTeX.", coord_questions("It converts between Markdown and LaTeX.", true, rng)[0], null, true, new Rng(1)), null, "nothing left out: no question");
});

test("metrics: seqeval-style entities and scores, SQuAD's exact match and F1", () => {
  assert.deepEqual(entities(["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]), [
    { type: "PER", start: 0, end: 2 }, { type: "LOC", start: 3, end: 4 }, { type: "LOC", start: 4, end: 5 }, { type: "ORG", start: 5, end: 6 },
  ]);
  const s = entity_scores([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "B-ORG"]]);
  assert.equal(s.precision, 0.5);
  assert.equal(s.recall, 0.5);
  assert.equal(s.PER_f1, 1);
  assert.equal(s.LOC_f1, 0);
  assert.equal(exact_match("The 32 models.", "32 models"), 1);
  assert.equal(token_f1("over 32 models", "32"), 0.5);
});

async function check_head(name: string, load: () => Promise<HeadModel>, evaluate: (m: HeadModel, t: BertTokenizer, r: Record<string, number>) => Promise<Record<string, number>>, key: string): Promise<void> {
  await ready();
  const r = results_of(name);
  const model = await load();
  const tok = await BertTokenizer.from_pretrained(`bertlab/${name}`, offline);
  const before = tf.memory().numTensors;
  const metrics = await evaluate(model, tok, r);
  assert.equal(tf.memory().numTensors, before, "no tensor leaked by the evaluation");
  // the same data and weights: the same numbers (a different CPU may flip one borderline example)
  for (const [k, v] of Object.entries(r.metrics as Record<string, number>)) {
    assert.ok(Math.abs(metrics[k] - v) <= 1.5 / r.test_examples + 1e-9, `${name} ${k}: ${metrics[k]} vs eval_results.json ${v}`);
  }
  for (const [b, scores] of Object.entries(r.baselines as Record<string, Record<string, number>>)) {
    if (/oracle/.test(b)) continue; // the card reports it beside the model; it is not a bar the model must clear
    assert.ok(r.metrics[key] > scores[key] + 0.05, `${name} ${key} ${r.metrics[key]} beats baseline ${b} (${scores[key]}) by 5 points`);
  }
  model.dispose();
}

test("bertlab/mini-bert-uncased-mrpc: its held-out accuracy / F1 equal eval_results.json and beat majority and word overlap", { skip: unless_shipped("mini-bert-uncased-mrpc") }, async () => {
  await check_head("mini-bert-uncased-mrpc", () => BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-mrpc", offline),
    async (m, t, r) => (await evaluate_paraphrase(m, t, paraphrase_pairs("test", r.test_size, r.seed), r.max_length)).metrics, "accuracy");
});

test("bertlab/mini-bert-uncased-conll03: its held-out entity F1 equals eval_results.json and beats the gazetteer of training names", { skip: unless_shipped("mini-bert-uncased-conll03") }, async () => {
  await check_head("mini-bert-uncased-conll03", () => BertForTokenClassification.from_pretrained("bertlab/mini-bert-uncased-conll03", offline),
    async (m, t, r) => (await evaluate_ner(m, t, ner_sentences("test", r.test_size, r.seed), r.max_length)).metrics, "f1");
});

test("bertlab/mini-bert-uncased-squad: its held-out EM / F1 equal eval_results.json and beat the first-sentence and overlap baselines", { skip: unless_shipped("mini-bert-uncased-squad") }, async () => {
  await check_head("mini-bert-uncased-squad", () => BertForQuestionAnswering.from_pretrained("bertlab/mini-bert-uncased-squad", offline),
    async (m, t, r) => {
      // the held-out questions of the recipe it was trained with: heads-data.ts's SOTU templates, or heads-qa.ts's mixed data
      const saved = r as unknown as { qa_data?: string; qa_shares?: QAShares };
      const rows = saved.qa_data === "mixed" ? mixed_qa_examples("test", r.test_size, r.seed, saved.qa_shares) : qa_examples("test", r.test_size, r.seed);
      return (await evaluate_qa(m, t, rows, r.max_length)).metrics;
    }, "f1");
});

test("the paraphrase pipeline on the walkthrough's pairs: sequence_0 + sequence_2 equivalent, sequence_0 + sequence_1 not", { skip: unless_shipped("mini-bert-uncased-mrpc") }, async () => {
  await ready();
  const clf = await pipeline("text-classification", "bertlab/mini-bert-uncased-mrpc", offline);
  const seq0 = "The company HuggingFace is based in New York City";
  // one { text, text_pair } in, one { label, score } out (as transformers' pipeline)
  const yes = (await clf({ text: seq0, text_pair: "HuggingFace's headquarters are situated in Manhattan" })) as unknown as { label: string; score: number };
  const no = (await clf({ text: seq0, text_pair: "Apples are especially bad for your health" })) as unknown as { label: string; score: number };
  console.log("paraphrase pipeline:", yes, no);
  assert.equal(yes.label, "equivalent");
  assert.equal(no.label, "not_equivalent");
  clf.model.dispose();
});

test("the NER pipeline on the walkthrough's sentence tags Hugging Face Inc. ORG and New York LOC", { skip: unless_shipped("mini-bert-uncased-conll03") }, async () => {
  await ready();
  const ner = await pipeline("ner", "bertlab/mini-bert-uncased-conll03", { ...offline, aggregation_strategy: "simple" });
  const found = (await ner("Hugging Face Inc. is a company based in New York City. Its headquarters are in DUMBO, therefore very close to the Manhattan Bridge.")) as unknown as Array<{ entity_group: string; word: string }>;
  console.log("ner pipeline:", found.map((e) => `${e.word}/${e.entity_group}`).join(", "));
  assert.ok(found.some((e) => e.entity_group === "ORG" && /hugging face/.test(e.word)), JSON.stringify(found));
  assert.ok(found.some((e) => e.entity_group === "LOC" && /new york/.test(e.word)), JSON.stringify(found));
  assert.ok(found.every((e) => !/^(is|a|company|based|in|its|are|therefore|very|close|to|the)$/.test(e.word)), JSON.stringify(found));
  ner.model.dispose();
});

test("the QA head answers the walkthrough's three questions as the seed's bert-large does, in notebook 01's decoding and through the pipeline", { skip: unless_shipped("mini-bert-uncased-squad") }, async () => {
  await ready();
  const qa = await pipeline("question-answering", "bertlab/mini-bert-uncased-squad", offline);
  const { context, questions } = walkthrough_qa();
  assert.equal(questions.length, 3);
  // the seed's answers (bert-large-uncased-whole-word-masking-finetuned-squad): "over 32 +", "general - purpose
  // architectures", "tensorflow 2. 0 and pytorch"
  const expected = [/^(over )?32 \+$/, /^general - purpose architectures$/, /^tensorflow 2\. 0 and pytorch$/];
  // notebook 01's cell: argmax start to argmax end, tokens joined by the fast tokenizer (its decoder's cleanup: "2. 0")
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased-squad", offline);
  const before = tf.memory().numTensors;
  const argmax_answers = await walkthrough_answers(qa.model as BertForQuestionAnswering, tok);
  assert.equal(tf.memory().numTensors, before);
  console.log("qa, notebook decoding:", argmax_answers.map((a) => a.answer));
  argmax_answers.forEach((a, i) => assert.match(a.answer, expected[i], a.question));
  for (const [i, question] of questions.entries()) {
    const a = (await qa(question, context)) as { answer: string; score: number };
    console.log("qa pipeline:", question, a);
    assert.match(a.answer.toLowerCase(), [/^(over )?32\+$/, /^general-purpose architectures$/, /^tensorflow 2\.0 and pytorch$/][i], question);
  }
  qa.model.dispose();
});
