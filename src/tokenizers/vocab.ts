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
  const bad = (field: string, want: string, got: unknown): never => {
    throw new Error(`load_tokenizer_json: '${file}': ${field} is ${short(got)}; expected ${want}`);
  };
  if (!isObject(raw)) bad("the top level", "a JSON object", raw);
  const model = raw.model;
  if (!isObject(model) || model.type !== "WordPiece" || !model.vocab) {
    throw new Error(`load_tokenizer_json: '${file}' has a ${isObject(model) && typeof model.type === "string" ? model.type : "missing"} model; a BERT tokenizer needs a WordPiece model with a vocab`);
  }
  if (!isObject(model.vocab)) bad("model.vocab", "an object of token → id", model.vocab);
  for (const [t, id] of Object.entries(model.vocab)) if (!isId(id)) bad(`model.vocab[${JSON.stringify(t)}]`, "a non-negative integer id", id);
  const str = (v: unknown, field: string, dflt: string): string => (v === undefined || v === null ? dflt : typeof v === "string" ? v : bad(field, "a string", v));
  const bool = (v: unknown, field: string, dflt: boolean): boolean => (v === undefined || v === null ? dflt : typeof v === "boolean" ? v : bad(field, "true or false", v));
  const norm = raw.normalizer;
  if (norm !== undefined && norm !== null && (!isObject(norm) || norm.type !== "BertNormalizer")) {
    throw new Error(`load_tokenizer_json: '${file}' has a ${isObject(norm) ? short(norm.type) : short(norm)} normalizer; only BertNormalizer is supported`);
  }
  const pp = raw.post_processor;
  if (pp !== undefined && pp !== null && !isObject(pp)) bad("post_processor", "an object or null", pp);
  const special = (v: unknown, field: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || typeof v[0] !== "string" || !isId(v[1])) return bad(field, "[token, id]", v);
    return v[0];
  };
  const added = raw.added_tokens ?? [];
  if (!Array.isArray(added)) bad("added_tokens", "a list", added);
  const max = model.max_input_chars_per_word ?? 100;
  if (!isId(max)) bad("model.max_input_chars_per_word", "a non-negative integer", max);
  const strip = norm?.strip_accents;
  if (strip !== undefined && strip !== null && typeof strip !== "boolean") bad("normalizer.strip_accents", "true, false or null", strip);
  return {
    vocab: new Map<string, number>(Object.entries(model.vocab)),
    unk_token: str(model.unk_token, "model.unk_token", "[UNK]"),
    continuing_subword_prefix: str(model.continuing_subword_prefix, "model.continuing_subword_prefix", "##"),
    max_input_chars_per_word: max,
    do_lower_case: bool(norm?.lowercase, "normalizer.lowercase", true),
    strip_accents: (strip ?? null) as boolean | null,
    tokenize_chinese_chars: bool(norm?.handle_chinese_chars, "normalizer.handle_chinese_chars", true),
    cls_token: special(pp?.cls, "post_processor.cls"),
    sep_token: special(pp?.sep, "post_processor.sep"),
    added_tokens: added.map((t, i) => {
      if (!isObject(t) || typeof t.content !== "string" || !isId(t.id)) return bad(`added_tokens[${i}]`, "{ id: integer, content: string, special?: boolean }", t);
      return { content: t.content, id: t.id, special: bool(t.special, `added_tokens[${i}].special`, false) };
    }),
  };
}

function isObject(v: unknown): v is Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isId(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function short(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
