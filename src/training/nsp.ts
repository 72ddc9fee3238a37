// Sentence-pair examples for BERT pretraining (HF TextDatasetForNextSentencePrediction.
// create_examples_from_document): segments of a document are packed up to block_size; half the
// time segment B is the true continuation (next_sentence_label 0), otherwise text from another
// document (label 1). Output rows have input_ids, token_type_ids and next_sentence_label; the
// language-modeling collator then pads them (attention_mask) and adds the MLM labels.
import type { CollatorTokenizer } from "./data_tokenizer";
import { default_generator, type Generator } from "./rng";

/** A next-sentence-prediction example: `[CLS] A [SEP] B [SEP]` ids, segment ids and the IsNext / NotNext label. */
export interface NSPExample {
  input_ids: number[];
  token_type_ids: number[];
  /** 0 = B follows A in the document (IsNext), 1 = B is from another document (NotNext). */
  next_sentence_label: number;
  [key: string]: number[] | number;
}

/** Options of create_nsp_examples (HF `TextDatasetForNextSentencePrediction`): block size, short-sequence and random-B probabilities. */
export interface NSPOptions {
  tokenizer: CollatorTokenizer;
  /** Longest example, special tokens included. */
  block_size: number;
  /** Chance to aim for a shorter example (default 0.1), so the model sees short inputs too. */
  short_seq_probability?: number;
  /** Chance that B is a random segment (default 0.5). */
  nsp_probability?: number;
  generator?: Generator;
}

/** A document: its segments (usually sentences) as token ids (without special tokens), or as text when the tokenizer has encode(). */
export type NSPDocument = (number[] | string)[];

function ids_of(segment: number[] | string, tok: CollatorTokenizer): number[] {
  if (Array.isArray(segment)) return segment;
  if (!tok.encode) throw new Error("create_nsp_examples: documents are text but the tokenizer has no encode(); pass token ids instead");
  const out = tok.encode(segment, { add_special_tokens: false });
  return Array.isArray(out) ? out : out.input_ids;
}

function special_ids(tok: CollatorTokenizer): [number, number] {
  if (typeof tok.cls_token_id !== "number" || typeof tok.sep_token_id !== "number") {
    throw new Error("create_nsp_examples: the tokenizer needs cls_token_id and sep_token_id");
  }
  return [tok.cls_token_id, tok.sep_token_id];
}

/** Trims the longer of the two token lists, from a random end, until the pair fits. */
function truncate_seq_pair(a: number[], b: number[], max_num_tokens: number, g: Generator): void {
  while (a.length + b.length > max_num_tokens) {
    const trunc = a.length > b.length ? a : b;
    if (g.random() < 0.5) trunc.shift();
    else trunc.pop();
  }
}

/** Examples from one document (`documents[doc_index]`), drawing random B segments from the other documents. */
export function create_examples_from_document(documents: number[][][], doc_index: number, options: NSPOptions): NSPExample[] {
  const g = options.generator ?? default_generator;
  const [cls, sep] = special_ids(options.tokenizer);
  const short_seq_probability = options.short_seq_probability ?? 0.1;
  const nsp_probability = options.nsp_probability ?? 0.5;
  const document = documents[doc_index];
  const max_num_tokens = options.block_size - 3; // [CLS] A [SEP] B [SEP]
  if (max_num_tokens < 2) throw new Error(`create_nsp_examples: block_size ${options.block_size} is too small; it must leave room for [CLS] A [SEP] B [SEP] (at least 5)`);
  let target_seq_length = max_num_tokens;
  if (g.random() < short_seq_probability) target_seq_length = g.randint(2, max_num_tokens + 1);
  const examples: NSPExample[] = [];
  let chunk: number[][] = [];
  let current_length = 0;
  let i = 0;
  while (i < document.length) {
    const segment = document[i];
    chunk.push(segment);
    current_length += segment.length;
    if (i === document.length - 1 || current_length >= target_seq_length) {
      if (chunk.length) {
        const a_end = chunk.length >= 2 ? g.randint(1, chunk.length) : 1;
        const tokens_a = chunk.slice(0, a_end).flat();
        let tokens_b: number[] = [];
        let is_random_next: boolean;
        if (chunk.length === 1 || g.random() < nsp_probability) {
          is_random_next = true;
          const target_b_length = target_seq_length - tokens_a.length;
          let random_document_index = doc_index;
          for (let t = 0; t < 10; t++) {
            random_document_index = g.randint(documents.length);
            if (random_document_index !== doc_index) break;
          }
          const random_document = documents[random_document_index];
          const random_start = g.randint(random_document.length);
          for (let j = random_start; j < random_document.length; j++) {
            tokens_b.push(...random_document[j]);
            if (tokens_b.length >= target_b_length) break;
          }
          i -= chunk.length - a_end; // put the unused segments back
        } else {
          is_random_next = false;
          tokens_b = chunk.slice(a_end).flat();
        }
        truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, g);
        if (tokens_a.length >= 1 && tokens_b.length >= 1) {
          examples.push({
            input_ids: [cls, ...tokens_a, sep, ...tokens_b, sep],
            token_type_ids: [...new Array(tokens_a.length + 2).fill(0), ...new Array(tokens_b.length + 1).fill(1)],
            next_sentence_label: is_random_next ? 1 : 0,
          });
        }
      }
      chunk = [];
      current_length = 0;
    }
    i += 1;
  }
  return examples;
}

/** NSP examples from every document (each a list of segments); empty segments and empty documents are skipped. */
export function create_nsp_examples(documents: NSPDocument[], options: NSPOptions): NSPExample[] {
  if (!Array.isArray(documents) || documents.length < 2) {
    throw new Error(`create_nsp_examples: need at least 2 documents to draw random next sentences from, got ${Array.isArray(documents) ? documents.length : typeof documents}`);
  }
  const docs = documents
    .map((d) => d.map((s) => ids_of(s, options.tokenizer)).filter((s) => s.length > 0))
    .filter((d) => d.length > 0);
  const out: NSPExample[] = [];
  for (let k = 0; k < docs.length; k++) out.push(...create_examples_from_document(docs, k, options));
  return out;
}
