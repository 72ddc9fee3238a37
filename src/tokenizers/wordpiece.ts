// WordPiece: greedy longest-match-first split of one basic token into vocabulary pieces, the
// continuation pieces prefixed with "##". A word longer than `max_input_chars_per_word` code points,
// or one with a part no piece matches, becomes a single [UNK]. Results are cached per word.

/** One word split by WordPiece (WordpieceTokenizer.encodeWord): piece ids, piece strings and where each piece ends in the word. */
export interface WordPieces {
  /** Vocabulary ids of the pieces. */
  ids: number[];
  /** The pieces as strings ("un", "##aff", "##able"). */
  tokens: string[];
  /** End of each piece in the word, in UTF-16 units (the last one is word.length). */
  ends: number[];
}

/** Options of WordpieceTokenizer (Python: `transformers.models.bert.tokenization_bert.WordpieceTokenizer`). */
export interface WordpieceOptions {
  /** Longer words become the unknown token. @default 100 */
  max_input_chars_per_word?: number;
  /** The prefix of word-continuing pieces. @default "##" */
  continuing_subword_prefix?: string;
  /** At most this many words are cached (default 100,000). */
  cache_size?: number;
}

/**
 * WordPiece (Python: `transformers.WordpieceTokenizer`): greedy longest-match-first sub-words from the vocabulary.
 * @example
 * ```ts
 * wordpiece.tokenize("unaffable") // ["una", "##ffa", "##ble"]
 * ```
 */
export class WordpieceTokenizer {
  readonly vocab: Map<string, number>;
  readonly unk_token: string;
  readonly unk_token_id: number;
  readonly max_input_chars_per_word: number;
  readonly continuing_subword_prefix: string;
  private readonly maxPieceLength: number;
  // Two-generation cache (an LRU approximation without per-hit bookkeeping): words go into `young`;
  // when it is full it becomes `old` and the previous `old` is dropped. A hit in `old` moves to `young`.
  private young = new Map<string, WordPieces>();
  private old = new Map<string, WordPieces>();
  private readonly cacheSize: number;

  constructor(vocab: Map<string, number>, unk_token: string, options: WordpieceOptions = {}) {
    this.vocab = vocab;
    this.unk_token = unk_token;
    const unk = vocab.get(unk_token);
    if (unk === undefined) {
      throw new Error(`WordpieceTokenizer: the vocabulary (${vocab.size} tokens) has no unknown token '${unk_token}'; add it to vocab.txt or set unk_token to a token it has`);
    }
    this.unk_token_id = unk;
    this.max_input_chars_per_word = options.max_input_chars_per_word ?? 100;
    this.continuing_subword_prefix = options.continuing_subword_prefix ?? "##";
    this.cacheSize = options.cache_size ?? 100_000;
    let longest = 1;
    for (const key of vocab.keys()) if (key.length > longest) longest = key.length;
    this.maxPieceLength = longest;
  }

  /** Python's `WordpieceTokenizer.tokenize(text)`: whitespace split, then pieces of each token. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const word of text.split(PY_WHITESPACE)) if (word) out.push(...this.encodeWord(word).tokens);
    return out;
  }

  /** The pieces of one basic token (cached). */
  encodeWord(word: string): WordPieces {
    let r = this.young.get(word);
    if (r !== undefined) return r;
    r = this.old.get(word) ?? this.split(word);
    if (this.young.size >= this.cacheSize >> 1) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(word, r);
    return r;
  }

  private unknown(word: string): WordPieces {
    return { ids: [this.unk_token_id], tokens: [this.unk_token], ends: [word.length] };
  }

  private split(word: string): WordPieces {
    const n = word.length;
    if (n > this.max_input_chars_per_word && codePointLength(word) > this.max_input_chars_per_word) return this.unknown(word);
    const vocab = this.vocab;
    const prefix = this.continuing_subword_prefix;
    const ids: number[] = [], tokens: string[] = [], ends: number[] = [];
    let start = 0;
    while (start < n) {
      let end = Math.min(n, start + this.maxPieceLength);
      let id: number | undefined;
      let sub = "";
      while (end > start) {
        sub = start > 0 ? prefix + word.slice(start, end) : word.slice(start, end);
        id = vocab.get(sub);
        if (id !== undefined) break;
        end--;
      }
      if (id === undefined) return this.unknown(word);
      ids.push(id);
      tokens.push(sub);
      ends.push(end);
      start = end;
    }
    return { ids, tokens, ends };
  }
}

/** Python's str.split() whitespace (what whitespace_tokenize splits on). */
export const PY_WHITESPACE = /[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (s.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}
