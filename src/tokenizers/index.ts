// Tokenizers: BERT's WordPiece tokenizer with Hugging Face transformers' names and call semantics.
export { BasicTokenizer } from "./basic";
export type { BasicTokenizerOptions } from "./basic";
export { WordpieceTokenizer } from "./wordpiece";
export type { WordPieces, WordpieceOptions } from "./wordpiece";
export { load_vocab, load_tokenizer_json } from "./vocab";
export { BatchEncoding } from "./encoding";
export type { Offsets } from "./encoding";
export { PreTrainedTokenizer } from "./tokenization_utils";
export type { PreTrainedTokenizerOptions, DecodeOptions, TokenizeOptions } from "./tokenization_utils";
export { clean_up_tokenization } from "./decoding";
export type { IdsInput } from "./decoding";
export type { EncodeOptions, CallOptions, PaddingOption, TruncationOption } from "./options";
export { BertTokenizer } from "./bert";
export type { BertTokenizerOptions, BertTokenizerFiles } from "./bert";
export { BertTokenizerFast } from "./bert_fast";
export { AutoTokenizer } from "./auto";
