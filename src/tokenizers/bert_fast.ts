// BertTokenizerFast: what `AutoTokenizer` returns in Python by default (use_fast=True). Ids, offsets and
// word ids are already the fast tokenizer's in bertlab; what differs is turning tokens back into text,
// which the Rust WordPiece decoder does token by token: after the first token (kept as is, "##" and all),
// "##" pieces glue on, other tokens get a space,
// and each token is cleaned on its own (" ." → ".", " 's" → "'s", ...). So the seed's QA answer reads
// "tensorflow 2. 0 and pytorch" here, where the slow BertTokenizer gives "tensorflow 2 . 0 and pytorch".
// Also as Rust: without special tokens a pair's second sequence keeps token type 1, and return_length counts
// the padded row (len(encoding.ids) in tokenization_utils_fast.py).
import type { PretrainedOptions } from "../hub";
import { BertTokenizer, BertTokenizerOptions } from "./bert";
import type { BatchEncoding } from "./encoding";
import type { CallOptions } from "./options";

/** The Rust WordPiece decoder's per-token clean-up (tokenizers/src/decoders/wordpiece.rs). */
function cleanup(token: string): string {
  return token
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" do not", " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/**
 * The fast BERT tokenizer (Python: `transformers.BertTokenizerFast`): the same ids as BertTokenizer, with the fast class's differences (offsets, word_ids, decoding spaces).
 * @example
 * ```ts
 * const tokenizer = await BertTokenizerFast.from_pretrained("bertlab/mini-bert-uncased"); tokenizer("Hello").word_ids()
 * ```
 */
export class BertTokenizerFast extends BertTokenizer {
  /** Rust gives a pair's second sequence token type 1 even without special tokens. */
  protected override readonly pair_type_id_without_special_tokens: 0 | 1 = 1;
  /** Python's fast tokenizer reports return_length as len(encoding.ids), after padding. */
  protected override readonly length_includes_padding: boolean = true;
  /** return_overflowing_tokens gives windows (rows, `stride` tokens shared) with overflow_to_sample_mapping, as Rust's. */
  protected override readonly overflow_windows: boolean = true;

  static override async from_pretrained(id_or_path: string, options: PretrainedOptions & BertTokenizerOptions = {}): Promise<BertTokenizerFast> {
    return (await super.from_pretrained(id_or_path, options)) as BertTokenizerFast;
  }

  /** The WordPiece decoder (`backend_tokenizer.decoder.decode(tokens)` in Python; BERT's tokenizer.json has cleanup on). */
  override convert_tokens_to_string(tokens: string[]): string {
    const prefix = this.wordpiece_tokenizer.continuing_subword_prefix;
    let out = "";
    tokens.forEach((token, i) => {
      out += cleanup(i === 0 ? token : token.startsWith(prefix) ? token.slice(prefix.length) : " " + token);
    });
    return out;
  }
}

/** The fast tokenizer's extra call signature: with return_overflowing_tokens one text gives rows (windows), as Rust's. */
export interface BertTokenizerFast {
  (text: string, options: CallOptions & { return_overflowing_tokens: true }): BatchEncoding<number[][]>;
}
