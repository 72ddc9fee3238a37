// BertTokenizer: BasicTokenizer + WordPiece over a vocab.txt (or a tokenizer.json's WordPiece model),
// with [CLS] A [SEP] B [SEP] layout. Results follow Python transformers' slow BertTokenizer; offsets,
// word_ids and sequence_ids are those of the fast one.
import * as fs from "fs";
import * as path from "path";
import { ready } from "../backend";
import { cached_file, is_offline_mode, not_found_hint, PretrainedOptions } from "../hub";
import { read_json_file } from "../utils/read_file";
import { type DirFile, read_dir_consistent, write_files_atomic } from "../utils/atomic_dir";
import { BasicTokenizer, WordSink } from "./basic";
import { Segmented } from "./segmented";
import { PreTrainedTokenizer, PreTrainedTokenizerOptions, SPECIAL_TOKENS_ATTRIBUTES, SpecialTokenName } from "./tokenization_utils";
import { invert, load_tokenizer_json, load_vocab } from "./vocab";
import { PY_WHITESPACE, WordpieceTokenizer } from "./wordpiece";

/**
 * Options of BertTokenizer (Python: the keyword arguments of `transformers.BertTokenizer`, as in
 * tokenizer_config.json); the special tokens default to [UNK], [SEP], [PAD], [CLS] and [MASK].
 */
export interface BertTokenizerOptions extends PreTrainedTokenizerOptions {
  /** Lower-case the text (and strip accents unless `strip_accents` is false). @default true */
  do_lower_case?: boolean;
  /** Split on whitespace and punctuation (BasicTokenizer) before WordPiece. @default true */
  do_basic_tokenize?: boolean;
  /** Words the basic tokenizer keeps whole. @default [] */
  never_split?: string[] | null;
  /** Put spaces around CJK characters, so each is a word. @default true */
  tokenize_chinese_chars?: boolean;
  /** null: follow do_lower_case (as original BERT); true / false force it. @default null */
  strip_accents?: boolean | null;
  /** Split punctuation into tokens of their own. @default true */
  do_split_on_punc?: boolean;
  /** Longer words become [UNK]. @default 100 */
  max_input_chars_per_word?: number;
  /** The prefix of word-continuing pieces. @default "##" */
  continuing_subword_prefix?: string;
  /** Tokens outside the vocabulary (content -> id), matched whole in the text. */
  added_tokens?: Record<string, number>;
}

/** The vocabulary of a BertTokenizer: a vocab.txt path, or the token → id map itself. */
export interface BertTokenizerFiles {
  /** vocab.txt; or give `vocab` directly. */
  vocab_file?: string;
  vocab?: Map<string, number>;
}

export const VOCAB_FILES = {
  vocab_file: "vocab.txt",
  tokenizer_file: "tokenizer.json",
  tokenizer_config_file: "tokenizer_config.json",
  special_tokens_map_file: "special_tokens_map.json",
  added_tokens_file: "added_tokens.json",
} as const;

const BERT_DEFAULTS = { unk_token: "[UNK]", sep_token: "[SEP]", pad_token: "[PAD]", cls_token: "[CLS]", mask_token: "[MASK]" };

/**
 * BERT's WordPiece tokenizer (Python: `transformers.BertTokenizer`): call it on a text, a pair or a batch for input_ids / token_type_ids / attention_mask; decode, padding, truncation, overflow.
 * @example
 * ```ts
 * const tokenizer = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased");
 * tokenizer("Hello, my dog is cute", { return_tensors: "tf" }).input_ids
 * ```
 */
export class BertTokenizer extends PreTrainedTokenizer {
  readonly vocab: Map<string, number>;
  readonly ids_to_tokens: Map<number, string>;
  readonly basic_tokenizer: BasicTokenizer;
  readonly wordpiece_tokenizer: WordpieceTokenizer;
  readonly do_basic_tokenize: boolean;
  readonly added_tokens_encoder: Map<string, number>;
  readonly added_tokens_decoder: Map<number, string>;
  private neverScan: Set<string>;
  /** Tokens added as special that were already in the vocabulary (still never split). */
  private readonly extraNoSplit = new Set<string>();
  private target: Segmented | null = null;
  private readonly sink: WordSink;

  constructor(files: BertTokenizerFiles, options: BertTokenizerOptions = {}) {
    super({ ...BERT_DEFAULTS, ...options });
    if (files.vocab) {
      this.vocab = files.vocab;
    } else {
      if (!files.vocab_file) throw new Error("BertTokenizer: give a vocab_file (vocab.txt) or a vocab map");
      if (!fs.existsSync(files.vocab_file)) {
        throw new Error(`Can't find a vocabulary file at path '${files.vocab_file}'. To load a pretrained tokenizer use \`BertTokenizer.from_pretrained(id_or_folder)\``);
      }
      this.vocab = load_vocab(files.vocab_file).vocab;
    }
    this.ids_to_tokens = invert(this.vocab);
    this.added_tokens_encoder = new Map(Object.entries(options.added_tokens ?? {}).filter(([t]) => !this.vocab.has(t)));
    this.added_tokens_decoder = invert(this.added_tokens_encoder);
    const unk = this.unk_token ?? "[UNK]";
    if (!this.vocab.has(unk) && !this.added_tokens_encoder.has(unk)) {
      throw new Error(`BertTokenizer: the vocabulary (${this.vocab.size} tokens${files.vocab_file ? ` from ${files.vocab_file}` : ""}) has no unknown token '${unk}'; every BERT vocabulary needs one (set unk_token to the one it uses)`);
    }
    this.do_basic_tokenize = options.do_basic_tokenize ?? true;
    this.basic_tokenizer = new BasicTokenizer({
      do_lower_case: options.do_lower_case ?? true,
      never_split: options.never_split ?? [],
      tokenize_chinese_chars: options.tokenize_chinese_chars ?? true,
      strip_accents: options.strip_accents ?? null,
      do_split_on_punc: options.do_split_on_punc ?? true,
    });
    this.wordpiece_tokenizer = new WordpieceTokenizer(this.vocab, unk, {
      max_input_chars_per_word: options.max_input_chars_per_word,
      continuing_subword_prefix: options.continuing_subword_prefix,
    });
    this.neverScan = new Set([...this.basic_tokenizer.never_split, ...this.all_special_tokens]);
    this._init_no_split();
    const bt = this.basic_tokenizer;
    const wp = this.wordpiece_tokenizer;
    // One word from the basic tokenizer -> its pieces, with offsets into the original text.
    this.sink = (word, start, _end, alS, alE, never) => {
      const out = this.target!;
      const w = out.n_words++;
      if (never && bt.never_split.has(word)) {
        out.push(this.convert_tokens_to_ids(word), alS ? alS[0] : start, alE ? alE[alE.length - 1] : _end, w);
        out.pushLiteral(word);
        return;
      }
      const pieces = wp.encodeWord(word);
      const ids = pieces.ids, ends = pieces.ends;
      let prev = 0;
      for (let k = 0; k < ids.length; k++) {
        const e = ends[k];
        if (alS === null) out.push(ids[k], start + prev, start + e, w);
        else out.push(ids[k], alS[prev], alE![e - 1], w);
        prev = e;
      }
    };
  }

  get do_lower_case(): boolean {
    return this.basic_tokenizer.do_lower_case;
  }

  get vocab_size(): number {
    return this.vocab.size;
  }

  get_vocab(): Map<string, number> {
    return new Map([...this.vocab, ...this.added_tokens_encoder]);
  }

  protected override added_tokens(): string[] {
    return [...this.added_tokens_encoder.keys()];
  }

  protected override extra_no_split_tokens(): string[] {
    return [...this.extraNoSplit];
  }

  protected override lowercase_added_tokens(): boolean {
    return this.do_lower_case;
  }

  /** Tokens added to the vocabulary (token -> id), as Python's get_added_vocab. */
  get_added_vocab(): Map<string, number> {
    return new Map(this.added_tokens_encoder);
  }

  /**
   * Adds tokens to the vocabulary (Python's add_tokens): they get the next ids and are never split.
   * With do_lower_case, non-special tokens are lower-cased and match the text case-insensitively.
   * Returns how many tokens were new; empty strings are skipped (`add_tokens("")` is 0, as in Python).
   */
  add_tokens(new_tokens: string | string[], special_tokens = false): number {
    if (!Array.isArray(new_tokens) && typeof new_tokens !== "string") throw new TypeError(`add_tokens: expected a token (string) or an array of tokens, got ${typeof new_tokens}`);
    const list = (typeof new_tokens === "string" ? [new_tokens] : new_tokens).filter((t) => t !== "");
    if (list.length === 0) return 0;
    const unkId = this.unk_token_id;
    const toAdd: string[] = [];
    for (let t of list) {
      if (typeof t !== "string") throw new TypeError(`add_tokens: every token must be a string, got ${JSON.stringify(t)}`);
      if (!special_tokens && this.do_lower_case) t = t.toLowerCase();
      if (t !== this.unk_token && this.convert_tokens_to_ids(t) === unkId && !toAdd.includes(t)) toAdd.push(t);
    }
    const base = this.vocab.size + this.added_tokens_encoder.size;
    toAdd.forEach((t, i) => {
      this.added_tokens_encoder.set(t, base + i);
      this.added_tokens_decoder.set(base + i, t);
    });
    if (special_tokens) for (const t of list) this.extraNoSplit.add(t);
    this.neverScan = new Set([...this.basic_tokenizer.never_split, ...this.all_special_tokens]);
    this._init_no_split();
    return toAdd.length;
  }

  /**
   * Sets special tokens (Python's add_special_tokens): `{ cls_token, ..., additional_special_tokens }`;
   * tokens not in the vocabulary are added. Returns how many tokens were new.
   */
  add_special_tokens(special_tokens_dict: Partial<Record<SpecialTokenName | "additional_special_tokens", string | string[]>>): number {
    let added = 0;
    for (const [key, value] of Object.entries(special_tokens_dict)) {
      if (key === "additional_special_tokens") {
        if (!Array.isArray(value)) throw new TypeError(`add_special_tokens: additional_special_tokens must be an array of strings, got ${JSON.stringify(value)}`);
        this.additional_special_tokens = [...value];
        added += this.add_tokens(value, true);
      } else if ((SPECIAL_TOKENS_ATTRIBUTES as readonly string[]).includes(key)) {
        if (typeof value !== "string") throw new TypeError(`add_special_tokens: ${key} must be a string, got ${JSON.stringify(value)}`);
        this[key as SpecialTokenName] = value;
        added += this.add_tokens([value], true);
      } else {
        throw new Error(`add_special_tokens: '${key}' is not a special token; expected one of ${[...SPECIAL_TOKENS_ATTRIBUTES, "additional_special_tokens"].join(", ")}`);
      }
    }
    this.neverScan = new Set([...this.basic_tokenizer.never_split, ...this.all_special_tokens]);
    this._init_no_split();
    return added;
  }

  protected _convert_token_to_id(token: string): number | undefined {
    return this.added_tokens_encoder.get(token) ?? this.vocab.get(token);
  }

  protected _convert_id_to_token(id: number): string | undefined {
    return this.added_tokens_decoder.get(id) ?? this.ids_to_tokens.get(id);
  }

  protected _encode_segment(text: string, from: number, to: number, out: Segmented): void {
    if (this.do_basic_tokenize) {
      this.target = out;
      try {
        this.basic_tokenizer.scan(text, from, to, this.neverScan, this.sink);
      } finally {
        this.target = null;
      }
      return;
    }
    // Without basic tokenization: WordPiece on each whitespace-separated chunk as it is.
    const re = new RegExp(PY_WHITESPACE.source, "g");
    let pos = from;
    const chunk = (s: number, e: number): void => {
      if (e <= s) return;
      this.target = out;
      this.sink(text.slice(s, e), s, e, null, null, false);
      this.target = null;
    };
    re.lastIndex = from;
    for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) {
      chunk(pos, Math.min(m.index, to));
      pos = m.index + m[0].length;
    }
    chunk(pos, to);
  }

  /**
   * Loads a BERT tokenizer from a model id or folder: vocab.txt (or else tokenizer.json),
   * tokenizer_config.json, special_tokens_map.json and added_tokens.json when present.
   * `options` override what the files say (e.g. `{ do_lower_case: false }`).
   */
  static async from_pretrained(id_or_path: string, options: PretrainedOptions & BertTokenizerOptions = {}): Promise<BertTokenizer> {
    // Hub options (revision, cache_dir, token, ...) go to cached_file; the tokenizer ignores them.
    const hub = { ...options, optional: true };
    const folder = options.subfolder ? path.join(id_or_path, options.subfolder) : id_or_path;
    // A local folder is read as one committed save (../utils/atomic_dir.ts).
    const tok = await read_dir_consistent(folder, async () => {
    const [vocabFile, tokJson, configFile, stmFile, addedFile] = await Promise.all([
      cached_file(id_or_path, VOCAB_FILES.vocab_file, hub),
      cached_file(id_or_path, VOCAB_FILES.tokenizer_file, hub),
      cached_file(id_or_path, VOCAB_FILES.tokenizer_config_file, hub),
      cached_file(id_or_path, VOCAB_FILES.special_tokens_map_file, hub),
      cached_file(id_or_path, VOCAB_FILES.added_tokens_file, hub),
    ]);
    if (!vocabFile && !tokJson) {
      const offline = options.local_files_only || is_offline_mode();
      const hint = offline ? ` (offline mode: only local folders, the Hugging Face cache and shipped models were searched, and none has them). ${not_found_hint(id_or_path, options.cache_dir)}` : "";
      throw new Error(`BertTokenizer.from_pretrained('${id_or_path}'): found neither vocab.txt nor tokenizer.json; a BERT tokenizer needs one of them${hint}`);
    }
    const config: BertTokenizerOptions = configFile ? tokenizerOptionsFromJson(readJson(configFile)) : {};
    const stm: BertTokenizerOptions = stmFile ? tokenizerOptionsFromJson(readJson(stmFile)) : {};
    const added: Record<string, number> = addedFile ? (readJson(addedFile) as Record<string, number>) : {};
    let files: BertTokenizerFiles;
    let fromJson: BertTokenizerOptions = {};
    if (vocabFile) {
      files = { vocab_file: vocabFile };
    } else {
      const tj = load_tokenizer_json(tokJson!);
      files = { vocab: tj.vocab };
      fromJson = {
        do_lower_case: tj.do_lower_case,
        strip_accents: tj.strip_accents,
        tokenize_chinese_chars: tj.tokenize_chinese_chars,
        unk_token: tj.unk_token,
        max_input_chars_per_word: tj.max_input_chars_per_word,
        continuing_subword_prefix: tj.continuing_subword_prefix,
        ...(tj.cls_token ? { cls_token: tj.cls_token } : {}),
        ...(tj.sep_token ? { sep_token: tj.sep_token } : {}),
      };
      for (const t of tj.added_tokens) if (!tj.vocab.has(t.content)) added[t.content] = t.id;
    }
    return new this(files, {
      ...fromJson,
      ...config,
      ...stm,
      added_tokens: added,
      name_or_path: id_or_path,
      ...stripUndefined(options),
    });
    });
    await ready(); // so return_tensors 'tf' works right away
    return tok;
  }

  /**
   * Writes vocab.txt, tokenizer_config.json, special_tokens_map.json (and added_tokens.json when there are
   * added tokens; an older one is deleted when there are none) into a folder, all-or-nothing
   * (../utils/atomic_dir.ts). Returns the paths written.
   */
  save_pretrained(save_directory: string): string[] {
    const byId = [...this.vocab].sort((a, b) => a[1] - b[1]);
    const files: DirFile[] = [{ name: VOCAB_FILES.vocab_file, data: byId.map(([t]) => t).join("\n") + "\n" }];
    const config = {
      tokenizer_class: "BertTokenizer",
      do_lower_case: this.do_lower_case,
      do_basic_tokenize: this.do_basic_tokenize,
      never_split: [...this.basic_tokenizer.never_split],
      tokenize_chinese_chars: this.basic_tokenizer.tokenize_chinese_chars,
      strip_accents: this.basic_tokenizer.strip_accents,
      do_split_on_punc: this.basic_tokenizer.do_split_on_punc,
      model_max_length: this.model_max_length,
      padding_side: this.padding_side,
      truncation_side: this.truncation_side,
      clean_up_tokenization_spaces: this.clean_up_tokenization_spaces,
      model_input_names: this.model_input_names,
      ...this.special_tokens_map,
    };
    files.push({ name: VOCAB_FILES.tokenizer_config_file, data: JSON.stringify(config, null, 2) + "\n" });
    files.push({ name: VOCAB_FILES.special_tokens_map_file, data: JSON.stringify(this.special_tokens_map, null, 2) + "\n" });
    if (this.added_tokens_encoder.size) {
      files.push({ name: VOCAB_FILES.added_tokens_file, data: JSON.stringify(Object.fromEntries(this.added_tokens_encoder), null, 2) + "\n" });
    }
    return write_files_atomic(save_directory, files, { remove: this.added_tokens_encoder.size ? [] : [VOCAB_FILES.added_tokens_file] });
  }
}

function readJson(file: string): Record<string, unknown> {
  const v = read_json_file(file, "tokenizer config");
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${file}: expected a JSON object, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v as Record<string, unknown>;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A special token in config files is a string or an AddedToken object { content, ... }. */
function tokenContent(v: unknown): string | null | undefined {
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") return (v as { content: string }).content;
  return undefined;
}

/** The options a tokenizer_config.json / special_tokens_map.json sets (unknown keys ignored). */
export function tokenizerOptionsFromJson(j: Record<string, unknown>): BertTokenizerOptions {
  const o: Record<string, unknown> = {};
  const bools = ["do_lower_case", "do_basic_tokenize", "tokenize_chinese_chars", "clean_up_tokenization_spaces", "do_split_on_punc"];
  for (const k of bools) if (typeof j[k] === "boolean") o[k] = j[k];
  if (typeof j.strip_accents === "boolean" || j.strip_accents === null) o.strip_accents = j.strip_accents;
  if (typeof j.model_max_length === "number") o.model_max_length = j.model_max_length;
  if (j.padding_side === "left" || j.padding_side === "right") o.padding_side = j.padding_side;
  if (j.truncation_side === "left" || j.truncation_side === "right") o.truncation_side = j.truncation_side;
  if (Array.isArray(j.never_split)) o.never_split = j.never_split.filter((t) => typeof t === "string");
  if (Array.isArray(j.model_input_names)) o.model_input_names = j.model_input_names;
  for (const k of ["unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "bos_token", "eos_token"]) {
    const c = tokenContent(j[k]);
    if (c !== undefined) o[k] = c;
  }
  if (Array.isArray(j.additional_special_tokens)) {
    o.additional_special_tokens = j.additional_special_tokens.map(tokenContent).filter((t): t is string => typeof t === "string");
  }
  return o as BertTokenizerOptions;
}
