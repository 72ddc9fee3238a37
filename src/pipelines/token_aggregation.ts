// Token classification post-processing as transformers 4.31 (TokenClassificationPipeline): per-token
// entities, sub-words merged into words (first / average / max), B-/I- groups (simple and the word
// strategies), ignore_labels, and the merge of overlapping chunks (stride). Pure: numbers in, records out.
import { argmax, f32, softmax } from "./functions";

/** How token-classification groups tokens into entities: "none" (per token), "simple", "first", "average", "max" (transformers' AggregationStrategy). */
export type AggregationStrategy = "none" | "simple" | "first" | "average" | "max";
/**
 * token-classification's aggregation strategies, as transformers': "none", "simple", "first", "average", "max".
 */
export const AGGREGATION_STRATEGIES: AggregationStrategy[] = ["none", "simple", "first", "average", "max"];

/** One token's entity (aggregation "none"). start/end: JavaScript string indices into the text, or null. */
export interface TokenEntity {
  entity: string;
  score: number;
  index: number;
  word: string;
  start: number | null;
  end: number | null;
}

/** A group of tokens or words with one entity type (aggregation "simple", "first", "average", "max"). */
export interface GroupedEntity {
  entity_group: string;
  score: number;
  word: string;
  start: number | null;
  end: number | null;
}

/** One chunk's model output and alignment. */
export interface TokenClassificationChunk {
  /** [seq, num_labels] */
  logits: ArrayLike<number>[];
  input_ids: number[];
  special_tokens_mask: number[];
  /** [start, end) per token in `sentence` (JavaScript string indices), or null when unknown. */
  offset_mapping: [number, number][] | null;
  /** The word of each token (null for special tokens), when the tokenizer knows it. */
  word_ids: (number | null)[] | null;
}

/** What the post-processing needs from the tokenizer and the model config. */
export interface TokenClassificationContext {
  id2label: Record<string, string>;
  convert_ids_to_tokens: (id: number) => string;
  convert_tokens_to_string: (tokens: string[]) => string;
  unk_token_id: number | null;
  /** WordPiece "##": HF's word-aware rule (a token is a sub-word when its text is shorter than the token). */
  continuing_subword_prefix: string | null;
}

interface PreEntity {
  word: string;
  scores: number[];
  start: number | null;
  end: number | null;
  index: number;
  is_subword: boolean;
}

interface WordEntity {
  entity: string;
  score: number;
  word: string;
  start: number | null;
  end: number | null;
  index?: number;
}

function label(ctx: TokenClassificationContext, i: number): string {
  const l = ctx.id2label[String(i)];
  if (l === undefined) throw new Error(`token-classification: config.id2label has no label ${i}`);
  return l;
}

/**
 * Python's gather_pre_entities. With word_ids a token is a sub-word when it continues the previous token's
 * word (what HF's length rule computes for a fast tokenizer); without them, HF's rules on the offsets.
 */
export function gather_pre_entities(sentence: string, chunk: TokenClassificationChunk, ctx: TokenClassificationContext): PreEntity[] {
  const out: PreEntity[] = [];
  const { input_ids, special_tokens_mask, offset_mapping, word_ids } = chunk;
  let prevWord: number | null = null;
  chunk.logits.forEach((row, idx) => {
    if (special_tokens_mask[idx]) {
      prevWord = null;
      return;
    }
    const scores = softmax(row);
    let word = ctx.convert_ids_to_tokens(input_ids[idx]);
    let start: number | null = null, end: number | null = null, is_subword = false;
    if (offset_mapping) {
      [start, end] = offset_mapping[idx];
      const word_ref = sentence.slice(start, end);
      if (word_ids) is_subword = word_ids[idx] !== null && word_ids[idx] === prevWord;
      else if (ctx.continuing_subword_prefix) is_subword = word.length !== word_ref.length;
      else is_subword = start > 0 && !sentence.slice(start - 1, start + 1).includes(" ");
      if (input_ids[idx] === ctx.unk_token_id) {
        word = word_ref;
        is_subword = false;
      }
    }
    prevWord = word_ids ? word_ids[idx] : null;
    out.push({ word, scores, start, end, index: idx, is_subword });
  });
  return out;
}

function aggregate_word(group: PreEntity[], strategy: AggregationStrategy, ctx: TokenClassificationContext): WordEntity {
  const word = ctx.convert_tokens_to_string(group.map((e) => e.word));
  let scores: number[];
  if (strategy === "first") scores = group[0].scores;
  else if (strategy === "max") {
    let best = group[0];
    for (const e of group) if (Math.max(...e.scores) > Math.max(...best.scores)) best = e;
    scores = best.scores;
  } else if (strategy === "average") {
    scores = group[0].scores.map((_, j) => group.reduce((s, e) => s + e.scores[j], 0) / group.length);
  } else throw new Error(`token-classification: '${strategy}' is not a word aggregation strategy`);
  const i = argmax(scores);
  return { entity: label(ctx, i), score: scores[i], word, start: group[0].start, end: group[group.length - 1].end };
}

/** Python's aggregate_words: sub-words join the word they continue; the word gets one label. */
export function aggregate_words(pre: PreEntity[], strategy: AggregationStrategy, ctx: TokenClassificationContext): WordEntity[] {
  const words: WordEntity[] = [];
  let group: PreEntity[] | null = null;
  for (const e of pre) {
    if (group === null) group = [e];
    else if (e.is_subword) group.push(e);
    else {
      words.push(aggregate_word(group, strategy, ctx));
      group = [e];
    }
  }
  if (group !== null) words.push(aggregate_word(group, strategy, ctx));
  return words;
}

/** "B-PER" → ["B", "PER"]; a label without B-/I- continues ("I"). */
export function get_tag(name: string): [string, string] {
  if (name.startsWith("B-")) return ["B", name.slice(2)];
  if (name.startsWith("I-")) return ["I", name.slice(2)];
  return ["I", name];
}

function group_sub_entities(entities: WordEntity[], ctx: TokenClassificationContext): GroupedEntity {
  const parts = entities[0].entity.split("-");
  return {
    entity_group: parts[parts.length - 1],
    score: f32(entities.reduce((s, e) => s + e.score, 0) / entities.length),
    word: ctx.convert_tokens_to_string(entities.map((e) => e.word)),
    start: entities[0].start,
    end: entities[entities.length - 1].end,
  };
}

/** Python's group_entities: adjacent entities of one type merge unless the next one is a B-. */
export function group_entities(entities: WordEntity[], ctx: TokenClassificationContext): GroupedEntity[] {
  const groups: GroupedEntity[] = [];
  let cur: WordEntity[] = [];
  for (const e of entities) {
    if (cur.length === 0) {
      cur.push(e);
      continue;
    }
    const [bi, tag] = get_tag(e.entity);
    const [, lastTag] = get_tag(cur[cur.length - 1].entity);
    if (tag === lastTag && bi !== "B") cur.push(e);
    else {
      groups.push(group_sub_entities(cur, ctx));
      cur = [e];
    }
  }
  if (cur.length) groups.push(group_sub_entities(cur, ctx));
  return groups;
}

/** One chunk's entities under a strategy, before ignore_labels. */
export function aggregate(pre: PreEntity[], strategy: AggregationStrategy, ctx: TokenClassificationContext): (TokenEntity | GroupedEntity)[] {
  let entities: WordEntity[];
  if (strategy === "none" || strategy === "simple") {
    entities = pre.map((p) => {
      const i = argmax(p.scores);
      return { entity: label(ctx, i), score: p.scores[i], index: p.index, word: p.word, start: p.start, end: p.end };
    });
  } else entities = aggregate_words(pre, strategy, ctx);
  if (strategy === "none") {
    return entities.map((e) => ({ entity: e.entity, score: f32(e.score), index: e.index!, word: e.word, start: e.start, end: e.end }));
  }
  return group_entities(entities, ctx);
}

/** Python's aggregate_overlapping_entities (chunks made with stride): of overlapping entities keep the longest, then the best scored. */
export function aggregate_overlapping_entities<E extends { start: number | null; end: number | null; score: number }>(entities: E[]): E[] {
  if (entities.length === 0) return entities;
  const sorted = entities.map((e, i) => ({ e, i })).sort((a, b) => (a.e.start ?? 0) - (b.e.start ?? 0) || a.i - b.i).map((x) => x.e);
  const out: E[] = [];
  let prev = sorted[0];
  for (const e of sorted) {
    const ps = prev.start ?? 0, pe = prev.end ?? 0, s = e.start ?? 0, en = e.end ?? 0;
    if (ps <= s && s < pe) {
      const len = en - s, prevLen = pe - ps;
      if (len > prevLen) prev = e;
      else if (len === prevLen && e.score > prev.score) prev = e;
    } else {
      out.push(prev);
      prev = e;
    }
  }
  out.push(prev);
  return out;
}

/** Post-processing of all chunks of one text (Python's postprocess). */
export function token_classification_postprocess(
  sentence: string,
  chunks: TokenClassificationChunk[],
  ctx: TokenClassificationContext,
  strategy: AggregationStrategy = "none",
  ignore_labels: string[] = ["O"],
): (TokenEntity | GroupedEntity)[] {
  let all: (TokenEntity | GroupedEntity)[] = [];
  for (const chunk of chunks) {
    const pre = gather_pre_entities(sentence, chunk, ctx);
    const entities = aggregate(pre, strategy, ctx).filter((e) => !ignore_labels.includes("entity" in e ? e.entity : e.entity_group));
    all = all.concat(entities);
  }
  return chunks.length > 1 ? aggregate_overlapping_entities(all) : all;
}
