// Reading WordPiece vocabularies: `vocab.txt` (one token a line, id = line number, as Python's
// load_vocab) and the WordPiece parts of a Rust-tokenizers `tokenizer.json`.
import { read_json_file, read_text_file } from "../utils/read_file";

export interface Vocab {
  /** token -> id (a token repeated in vocab.txt keeps its last id, as Python's dict does). */
  vocab: Map<string, number>;
  /** id -> token (ids whose token was later repeated are absent, as in Python). */
  ids_to_tokens: Map<number, string>;
}

/** Reads a vocab.txt. */
export function load_vocab(vocab_file: string): Vocab {
  let text = read_text_file(vocab_file, "vocabulary file");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Python reads in text mode: \r\n and \r are line ends too.
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new Error(`load_vocab: '${vocab_file}' is empty; expected one token a line`);
  return vocabFromTokens(lines);
}

export function vocabFromTokens(tokens: string[]): Vocab {
  const vocab = new Map<string, number>();
  tokens.forEach((t, i) => vocab.set(t, i));
  return { vocab, ids_to_tokens: invert(vocab) };
}

export function invert(vocab: Map<string, number>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [t, i] of vocab) out.set(i, t);
  return out;
}

/** What a `tokenizer.json` for a BERT WordPiece pipeline says. */
export interface TokenizerJson {
  vocab: Map<string, number>;
  unk_token: string;
  continuing_subword_prefix: string;
  max_input_chars_per_word: number;
  do_lower_case: boolean;
  strip_accents: boolean | null;
  tokenize_chinese_chars: boolean;
  cls_token?: string;
  sep_token?: string;
  /** Added tokens (content -> id), special or not. */
  added_tokens: { content: string; id: number; special: boolean }[];
}

interface RawTokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; unk_token?: string; continuing_subword_prefix?: string; max_input_chars_per_word?: number };
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null; handle_chinese_chars?: boolean; clean_text?: boolean } | null;
  post_processor?: { type?: string; cls?: [string, number]; sep?: [string, number] } | null;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

/** Reads the WordPiece model, BertNormalizer and BertProcessing settings of a tokenizer.json. */
export function load_tokenizer_json(file: string): TokenizerJson {
  const raw = read_json_file(file, "tokenizer.json") as RawTokenizerJson;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`load_tokenizer_json: '${file}' holds ${JSON.stringify(raw)}; expected a JSON object`);
  const model = raw.model;
  if (!model || model.type !== "WordPiece" || !model.vocab) {
    throw new Error(`load_tokenizer_json: '${file}' has a ${model?.type ?? "missing"} model; a BERT tokenizer needs a WordPiece model with a vocab`);
  }
  const norm = raw.normalizer;
  if (norm && norm.type !== "BertNormalizer") {
    throw new Error(`load_tokenizer_json: '${file}' has a ${norm.type} normalizer; only BertNormalizer is supported`);
  }
  const vocab = new Map<string, number>(Object.entries(model.vocab));
  const lowercase = norm?.lowercase ?? true;
  const pp = raw.post_processor;
  return {
    vocab,
    unk_token: model.unk_token ?? "[UNK]",
    continuing_subword_prefix: model.continuing_subword_prefix ?? "##",
    max_input_chars_per_word: model.max_input_chars_per_word ?? 100,
    do_lower_case: lowercase,
    strip_accents: norm?.strip_accents ?? null,
    tokenize_chinese_chars: norm?.handle_chinese_chars ?? true,
    cls_token: pp?.cls?.[0],
    sep_token: pp?.sep?.[0],
    added_tokens: (raw.added_tokens ?? []).map((t) => ({ content: t.content, id: t.id, special: t.special ?? false })),
  };
}
