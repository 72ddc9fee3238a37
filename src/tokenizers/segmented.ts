// Segmented: the token ids of one text with where each came from (offsets into the text, word index),
// before truncation and special tokens. Tokenizers fill it; rows.ts assembles model inputs from it.

/** Token ids, offsets and word indices of one text (no special tokens added yet). */
export class Segmented {
  ids: number[] = [];
  starts: number[] = [];
  ends: number[] = [];
  words: number[] = [];
  /** Words seen so far (the next word index). */
  n_words = 0;
  /** Token strings that are not the vocabulary entry of their id (a never_split word mapped to [UNK]). */
  literal: Map<number, string> | null = null;

  push(id: number, start: number, end: number, word: number): void {
    this.ids.push(id);
    this.starts.push(start);
    this.ends.push(end);
    this.words.push(word);
  }

  /** Records the token string of the token just pushed, as Python's tokenize returns it. */
  pushLiteral(token: string): void {
    (this.literal ??= new Map()).set(this.ids.length - 1, token);
  }

  /** The token strings (as Python's tokenize). */
  tokens(idToToken: (id: number) => string): string[] {
    const lit = this.literal;
    return this.ids.map((id, k) => lit?.get(k) ?? idToToken(id));
  }
}
