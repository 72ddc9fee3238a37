// The little a collator needs from a tokenizer (bertlab's BertTokenizer has all of it). Coding
// against this interface keeps src/training independent of src/tokenizers.

/** The tokenizer members the collators and NSP example builder use (BertTokenizer has them all); only `pad_token_id` is required. */
export interface CollatorTokenizer {
  pad_token_id: number | null;
  mask_token_id?: number | null;
  cls_token_id?: number | null;
  sep_token_id?: number | null;
  /** Size of the vocabulary random replacement tokens are drawn from (HF uses len(tokenizer)). */
  vocab_size?: number;
  get_vocab_size?: () => number;
  /** Ids never masked: [CLS], [SEP], [PAD], [MASK], [UNK] (HF's all_special_ids). */
  all_special_ids?: number[];
  /** HF signature (token_ids_0, token_ids_1, already_has_special_tokens); used when all_special_ids is absent. */
  get_special_tokens_mask?: (ids: number[], ids_1?: number[] | null, already_has_special_tokens?: boolean) => number[];
  /** Needed by whole-word masking (## pieces). */
  convert_ids_to_tokens?: (ids: number[]) => string[];
  padding_side?: "left" | "right";
  pad_token_type_id?: number;
  /** Needed by NSP when documents are given as text. */
  encode?: (text: string, options?: { add_special_tokens?: boolean }) => number[] | { input_ids: number[] };
}

export function vocab_size_of(tok: CollatorTokenizer, who: string): number {
  const n = tok.vocab_size ?? tok.get_vocab_size?.() ?? (tok as { length?: number }).length;
  if (typeof n !== "number" || !(n > 0)) throw new Error(`${who}: the tokenizer has no vocab_size (needed to draw random replacement tokens)`);
  return n;
}

/** 1 where an id is special (never selected for masking), from all_special_ids or get_special_tokens_mask. */
export function special_mask_of(tok: CollatorTokenizer, ids: number[], who: string): number[] {
  if (tok.all_special_ids) {
    const special = new Set(tok.all_special_ids);
    return ids.map((id) => (special.has(id) ? 1 : 0));
  }
  if (tok.get_special_tokens_mask) return tok.get_special_tokens_mask(ids, null, true);
  const fallback = [tok.cls_token_id, tok.sep_token_id, tok.pad_token_id, tok.mask_token_id].filter((x): x is number => typeof x === "number");
  if (!fallback.length) throw new Error(`${who}: the tokenizer has neither all_special_ids nor get_special_tokens_mask`);
  const special = new Set(fallback);
  return ids.map((id) => (special.has(id) ? 1 : 0));
}
