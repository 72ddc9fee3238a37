// Text tools shared by the teaching heads' data generators (scripts/heads-data.ts): a seeded picker, word-level
// rewrites that keep a sentence's meaning (synonyms from the `synonyms` package — WordNet's synsets, MIT — a few
// function-word variants, moving a leading clause to the end) and edits that change it (negation, numbers),
// plus the word n-grams the no-leak check compares against the walkthrough's own sentences.
import { Generator } from "../src/utils/random";

/** A seeded source of choices (bertlab's xoshiro Generator underneath). */
export class Rng {
  private readonly g: Generator;
  constructor(seed: number) {
    this.g = new Generator(seed);
  }
  random(): number {
    return this.g.random();
  }
  int(n: number): number {
    return Math.floor(this.g.random() * n);
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("Rng.pick: empty list");
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.g.random() < p;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

/** Every n-th item (offset n - 1) to the held-out side, the rest to training: a deterministic split of a list. */
export function split_every<T>(xs: readonly T[], n: number): { train: T[]; test: T[] } {
  const train: T[] = [];
  const test: T[] = [];
  xs.forEach((x, i) => (i % n === n - 1 ? test : train).push(x));
  return { train, test };
}

/** Lower-cased word tokens (letters, digits, apostrophes inside words). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? [];
}

/** The set of word n-grams of a text, joined by spaces. */
export function ngrams(text: string, n: number): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(" "));
  return out;
}

/** Jaccard overlap of two texts' word sets (the word-overlap baseline's score). */
export function word_overlap(a: string, b: string): number {
  const A = new Set(words(a));
  const B = new Set(words(b));
  let both = 0;
  for (const x of A) if (B.has(x)) both++;
  const union = A.size + B.size - both;
  return union === 0 ? 1 : both / union;
}

// Function words never replaced by a synonym (their "synonyms" in WordNet are other senses).
const STOP = new Set(("a an the and or but if of to in on at by for with from as is are was were be been being have has had do does did " +
  "not no nor so than that this these those it its we our us you your he his him she her they their them i me my who whom which what " +
  "when where why how all any each every some such can could will would shall should may might must there here then now very more most " +
  "also only just upon into over under about after before between through during without within against among one two three").split(" "));

type Thesaurus = Record<string, Record<string, string[]>>;
let thesaurus: Thesaurus | null = null;
/** The thesaurus entry of a word (direct head words only: the package's fallback scans the whole dictionary). */
function synonyms_of(word: string): Record<string, string[]> | undefined {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  thesaurus ??= (require("synonyms") as { dictionary: Thesaurus }).dictionary;
  return Object.prototype.hasOwnProperty.call(thesaurus, word) ? thesaurus[word] : undefined;
}

/**
 * Single-word synonyms of a lower-case word that keep its part of speech: the first WordNet synset's other members
 * for nouns ("n") and adjectives ("s"/"a"); verbs and adverbs are left alone (their inflection would break).
 */
export function synonym_candidates(word: string): string[] {
  if (STOP.has(word) || word.length < 4 || !/^[a-z]+$/.test(word)) return [];
  const entry = synonyms_of(word);
  if (!entry) return [];
  if (entry.v || entry.r) return []; // a verb or adverb sense too: inflected forms would be wrong
  const list = entry.n ?? entry.a ?? entry.s ?? [];
  return list.filter((s) => s !== word && /^[a-z]+$/.test(s) && s.length > 2);
}

/** Whether the lower-case word is a function word or in the thesaurus at all (used as an English word list). */
export function is_dictionary_word(word: string): boolean {
  return /^[a-z]+$/.test(word) && (STOP.has(word) || synonyms_of(word) !== undefined);
}

const CASE = (src: string, w: string) => (src[0] === src[0].toUpperCase() && src[0] !== src[0].toLowerCase() ? w[0].toUpperCase() + w.slice(1) : w);

/**
 * Replaces up to `max` nouns / adjectives with a synonym; returns the text and how many it replaced. `accept`, when
 * given, filters the candidate synonyms (e.g. to common words).
 */
export function substitute_synonyms(text: string, rng: Rng, max: number, accept?: (synonym: string) => boolean): { text: string; replaced: number } {
  const parts = text.split(/(\s+)/);
  const candidates = (w: string) => (accept ? synonym_candidates(w).filter(accept) : synonym_candidates(w));
  // lower-case words only (a capitalised one mid-sentence is a name: "United States" must stay)
  const slots = parts.map((p, i) => ({ p, i })).filter(({ p, i }) => (i === 0 ? /^[A-Za-z]+[,.;:]?$/ : /^[a-z]+[,.;:]?$/).test(p) && candidates(p.replace(/[,.;:]$/, "").toLowerCase()).length > 0);
  rng.shuffle(slots);
  let replaced = 0;
  for (const { p, i } of slots.slice(0, max)) {
    const bare = p.replace(/[,.;:]$/, "");
    const tail = p.slice(bare.length);
    parts[i] = CASE(bare, rng.pick(candidates(bare.toLowerCase()))) + tail;
    replaced++;
  }
  return { text: parts.join(""), replaced };
}

// Meaning-preserving function-word variants (both directions).
const VARIANTS: Array<[RegExp, string]> = [
  [/\bwe will\b/gi, "we shall"], [/\bwe shall\b/gi, "we will"], [/\bdo not\b/gi, "don't"], [/\bcannot\b/gi, "can not"],
  [/\bhowever,\s*/gi, ""], [/\balso\s+/gi, ""], [/\bindeed,?\s*/gi, ""], [/\btherefore,?\s*/gi, ""], [/\bin order to\b/gi, "to"],
  [/\bmany\b/gi, "a lot of"], [/\bperhaps\b/gi, "maybe"], [/\bbegin\b/gi, "start"], [/\bbuy\b/gi, "purchase"],
  [/\bhelp\b/gi, "assist"], [/\bshow\b/gi, "demonstrate"], [/\benough\b/gi, "sufficient"], [/\bthink\b/gi, "believe"],
];

/** Applies one function-word variant that matches, if any. */
export function function_word_variant(text: string, rng: Rng): string | null {
  const hits = VARIANTS.filter(([re]) => { re.lastIndex = 0; return re.test(text); });
  if (hits.length === 0) return null;
  const [re, to] = rng.pick(hits);
  re.lastIndex = 0;
  let done = false;
  const out = text.replace(re, (m) => { if (done) return m; done = true; return to ? CASE(m, to) : ""; });
  return out.replace(/^\s*([a-z])/, (m, c: string) => c.toUpperCase()).replace(/\s{2,}/g, " ");
}

const LEADING = /^(If|When|Although|Though|While|Because|Since|After|Before|Unless|Until|As long as|Once)\s+([^,]{6,}),\s+(.{10,})$/;

/** "When X, Y." → "Y when X." (a leading subordinate clause moved to the end); null when the sentence has none. */
export function move_leading_clause(text: string): string | null {
  const m = LEADING.exec(text.trim());
  if (!m) return null;
  const main = m[3].replace(/[.!?]$/, "");
  const end = /[.!?]$/.exec(m[3])?.[0] ?? ".";
  return `${main[0].toUpperCase()}${main.slice(1)} ${m[1].toLowerCase()} ${m[2]}${end}`;
}

/** Drops a trailing clause after the last comma when what stays is still most of a sentence ("..., which ..."). */
export function drop_trailing_clause(text: string): string | null {
  const m = /^(.{25,}),\s+(which|who|as|and|including|especially|particularly|so that|because)\s+[^,]{8,}([.!?])$/.exec(text.trim());
  return m ? `${m[1]}${m[3]}` : null;
}

const NEGATE: Array<[RegExp, string]> = [
  [/\b(is|are|was|were|will|can|should|must|would|could|has|have|had|do|does|did)\s+not\b/i, "$1"],
  [/\b(is|are|was|were|will|can|should|must|would|could)\b(?!\s+not)/i, "$1 not"],
  [/\bnever\b/i, "always"], [/\balways\b/i, "never"], [/\bno\s+(\w+)/i, "some $1"],
  [/\bincrease(d|s)?\b/i, "decrease$1"], [/\bdecrease(d|s)?\b/i, "increase$1"], [/\bmore\b/i, "less"], [/\bless\b/i, "more"],
  [/\bhigher\b/i, "lower"], [/\blower\b/i, "higher"], [/\bsupport(ed|s)?\b/i, "oppose$1"], [/\bmust\b/i, "must not"],
];

/** Flips the meaning with one edit: adds or removes a negation, swaps an antonym (increase/decrease, more/less, ...). */
export function negate(text: string, rng: Rng): string | null {
  const hits = NEGATE.filter(([re]) => re.test(text));
  if (hits.length === 0) return null;
  const [re, to] = rng.pick(hits);
  return text.replace(re, to);
}

/** Changes one number (digits or a number word) to a different one; null when the sentence has none. */
export function change_number(text: string, rng: Rng): string | null {
  const WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "fifty", "hundred", "thousand", "million", "billion"];
  const digits = [...text.matchAll(/\b\d[\d,]*(\.\d+)?\b/g)];
  if (digits.length > 0) {
    const m = rng.pick(digits);
    const n = Number(m[0].replace(/,/g, ""));
    let k = n;
    while (k === n) k = n >= 1000 && n < 2100 && !m[0].includes(",") ? n + rng.int(40) - 20 : Math.max(1, Math.round(n * (0.2 + rng.random() * 3)));
    return text.slice(0, m.index!) + String(k) + text.slice(m.index! + m[0].length);
  }
  const found = WORDS.filter((w) => new RegExp(`\\b${w}\\b`, "i").test(text));
  if (found.length === 0) return null;
  const w = rng.pick(found);
  const to = rng.pick(WORDS.filter((x) => x !== w));
  return text.replace(new RegExp(`\\b${w}\\b`, "i"), (m) => CASE(m, to));
}
