// Scores for the teaching heads and their baselines: seqeval-style entity precision / recall / F1 (an entity is a
// maximal run of one type starting at B-X, or at I-X after another type or O, as seqeval's default IOB scheme reads it),
// a gazetteer tagger (longest case-insensitive match of listed names), and SQuAD's exact match / token F1.
import type { EntityType, Gazetteer } from "./heads-data";

export interface Span {
  type: string;
  start: number;
  /** exclusive */
  end: number;
}

/** The entities of one IOB tag sequence. */
export function entities(tags: string[]): Span[] {
  const out: Span[] = [];
  let cur: Span | null = null;
  tags.forEach((t, i) => {
    const [bio, type] = t === "O" ? ["O", ""] : [t.slice(0, 1), t.slice(2)];
    if (cur && (bio === "O" || bio === "B" || type !== cur.type)) { out.push(cur); cur = null; }
    if (bio !== "O" && !cur) cur = { type, start: i, end: i + 1 };
    else if (cur) cur.end = i + 1;
  });
  if (cur) out.push(cur);
  return out;
}

export interface EntityScores {
  /** micro-averaged over all types */
  f1: number;
  precision: number;
  recall: number;
  /** per type: f1 */
  [key: string]: number;
}

/** seqeval's classification report in numbers: micro P / R / F1 and `<TYPE>_f1` per type. */
export function entity_scores(truth: string[][], pred: string[][]): EntityScores {
  const counts: Record<string, { tp: number; fp: number; fn: number }> = {};
  const c = (t: string) => (counts[t] ??= { tp: 0, fp: 0, fn: 0 });
  truth.forEach((tags, k) => {
    const key = (s: Span) => `${s.type}:${s.start}:${s.end}`;
    const T = new Set(entities(tags).map(key));
    const P = new Set(entities(pred[k]).map(key));
    for (const x of P) (T.has(x) ? c(x.split(":")[0]).tp++ : c(x.split(":")[0]).fp++);
    for (const x of T) if (!P.has(x)) c(x.split(":")[0]).fn++;
  });
  const f = ({ tp, fp, fn }: { tp: number; fp: number; fn: number }) => ({ p: tp / Math.max(1, tp + fp), r: tp / Math.max(1, tp + fn), f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn) });
  const all = Object.values(counts).reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }), { tp: 0, fp: 0, fn: 0 });
  const micro = f(all);
  const out: EntityScores = { f1: micro.f1, precision: micro.p, recall: micro.r };
  for (const t of ["PER", "ORG", "LOC", "MISC"]) if (counts[t]) out[`${t}_f1`] = f(counts[t]).f1;
  return out;
}

const ORG_SUFFIXES = new Set(["inc", "corp", "group", "ltd", "bank", "holdings", "company"]);

/** A gazetteer tagger: longest case-insensitive match of the listed names (types tried PER, ORG, LOC, MISC), adjacent PER names merged, ORG suffixes kept. */
export function gazetteer_tagger(g: Gazetteer, split_words: (s: string) => string[]): (words: string[]) => string[] {
  const phrases = new Map<string, EntityType>();
  let longest = 1;
  for (const type of ["MISC", "LOC", "ORG", "PER"] as EntityType[]) {
    for (const name of g[type]) {
      const ws = split_words(name).map((w) => w.toLowerCase());
      phrases.set(ws.join(" "), type); // later types win a tie: PER over ORG over LOC over MISC
      longest = Math.max(longest, ws.length);
    }
  }
  return (words) => {
    const lower = words.map((w) => w.toLowerCase());
    const tags = words.map(() => "O");
    let prev: { type: EntityType; end: number } | null = null;
    for (let i = 0; i < words.length;) {
      let hit: { type: EntityType; n: number } | null = null;
      for (let n = Math.min(longest, words.length - i); n >= 1 && !hit; n--) {
        const type = phrases.get(lower.slice(i, i + n).join(" "));
        if (type) hit = { type, n };
      }
      if (!hit) { i++; continue; }
      let n = hit.n;
      if (hit.type === "ORG" && i + n < words.length && ORG_SUFFIXES.has(lower[i + n])) n++;
      const continues = prev !== null && prev.end === i && prev.type === hit.type && hit.type === "PER";
      for (let j = 0; j < n; j++) tags[i + j] = `${j === 0 && !continues ? "B" : "I"}-${hit.type}`;
      prev = { type: hit.type, end: i + n };
      i += n;
    }
    return tags;
  };
}

/** SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalize_answer(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, " ").replace(/\b(a|an|the)\b/g, " ").replace(/\s+/g, " ").trim();
}

export function exact_match(pred: string, truth: string): number {
  return normalize_answer(pred) === normalize_answer(truth) ? 1 : 0;
}

/** SQuAD's token-overlap F1 of a predicted answer. */
export function token_f1(pred: string, truth: string): number {
  const p = normalize_answer(pred).split(" ").filter(Boolean);
  const t = normalize_answer(truth).split(" ").filter(Boolean);
  if (p.length === 0 || t.length === 0) return p.length === t.length ? 1 : 0;
  const count = new Map<string, number>();
  for (const w of t) count.set(w, (count.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) { const k = count.get(w) ?? 0; if (k > 0) { same++; count.set(w, k - 1); } }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / t.length;
  return (2 * precision * recall) / (precision + recall);
}
