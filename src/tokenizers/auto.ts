// AutoTokenizer: picks the tokenizer class from a model's tokenizer_config.json (tokenizer_class) or
// config.json (model_type), as transformers does. bertlab has the BERT (WordPiece) family only.
import { read_json_file } from "../utils/read_file";
import { cached_file, PretrainedOptions } from "../hub";
import { BertTokenizer, BertTokenizerOptions } from "./bert";
import { BertTokenizerFast } from "./bert_fast";

/** tokenizer_class values that are BERT WordPiece tokenizers, and the model inputs each returns. */
const TOKENIZER_CLASSES: Record<string, string[]> = {
  BertTokenizer: ["input_ids", "token_type_ids", "attention_mask"],
  BertTokenizerFast: ["input_ids", "token_type_ids", "attention_mask"],
  DistilBertTokenizer: ["input_ids", "attention_mask"],
  DistilBertTokenizerFast: ["input_ids", "attention_mask"],
  ElectraTokenizer: ["input_ids", "token_type_ids", "attention_mask"],
  ElectraTokenizerFast: ["input_ids", "token_type_ids", "attention_mask"],
};
const MODEL_TYPES: Record<string, string> = { bert: "BertTokenizer", distilbert: "DistilBertTokenizer", electra: "ElectraTokenizer" };

function readJson(file: string | null): Record<string, unknown> | null {
  if (!file) return null;
  const v = read_json_file(file, "tokenizer config");
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${file}: expected a JSON object, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v as Record<string, unknown>;
}

/**
 * Loads the tokenizer a checkpoint names (Python: `transformers.AutoTokenizer`); BERT's fast tokenizer by default.
 * @example
 * ```ts
 * const tokenizer = await AutoTokenizer.from_pretrained("bertlab/mini-bert-uncased"); tokenizer("Hello world").input_ids
 * ```
 */
export class AutoTokenizer {
  /**
   * The tokenizer of a model id or folder: for the BERT family a BertTokenizerFast (as Python's
   * default use_fast=True), or the slow BertTokenizer with `use_fast: false`.
   */
  static async from_pretrained(id_or_path: string, options: PretrainedOptions & BertTokenizerOptions & { use_fast?: boolean } = {}): Promise<BertTokenizer> {
    const { use_fast = true, ...rest } = options;
    options = rest;
    const hub = { ...options, optional: true };
    const tokConfig = readJson(await cached_file(id_or_path, "tokenizer_config.json", hub));
    let cls = typeof tokConfig?.tokenizer_class === "string" ? tokConfig.tokenizer_class : null;
    let why = cls ? `tokenizer_config.json says tokenizer_class '${cls}'` : "";
    if (!cls) {
      const config = readJson(await cached_file(id_or_path, "config.json", hub));
      const mt = typeof config?.model_type === "string" ? config.model_type : null;
      if (mt) {
        cls = MODEL_TYPES[mt] ?? null;
        why = `config.json says model_type '${mt}'`;
        if (!cls) {
          throw new Error(`AutoTokenizer.from_pretrained('${id_or_path}'): ${why}; bertlab supports the BERT family only (model types ${Object.keys(MODEL_TYPES).join(", ")})`);
        }
      }
    }
    if (!cls) {
      // No class named anywhere: a vocab.txt, or a tokenizer.json with a WordPiece model, is BERT's.
      const vocab = await cached_file(id_or_path, "vocab.txt", hub);
      const tj = vocab ? null : readJson(await cached_file(id_or_path, "tokenizer.json", hub));
      const modelType = (tj?.model as { type?: string } | undefined)?.type;
      if (!vocab && !tj && !tokConfig) {
        throw new Error(`AutoTokenizer.from_pretrained('${id_or_path}'): found no tokenizer files (tokenizer_config.json, config.json, vocab.txt or tokenizer.json); is it a model folder, or a hub id that is in the cache or reachable?`);
      }
      if (!vocab && modelType !== "WordPiece") {
        throw new Error(
          `AutoTokenizer.from_pretrained('${id_or_path}'): cannot tell the tokenizer: no tokenizer_class in tokenizer_config.json, no model_type in config.json, and no vocab.txt or WordPiece tokenizer.json` +
            (modelType ? ` (tokenizer.json has a ${modelType} model; bertlab supports BERT WordPiece tokenizers only)` : ""),
        );
      }
      cls = "BertTokenizer";
    }
    const inputs = TOKENIZER_CLASSES[cls];
    if (!inputs) {
      throw new Error(`AutoTokenizer.from_pretrained('${id_or_path}'): ${why}; bertlab supports the BERT family only (${Object.keys(TOKENIZER_CLASSES).join(", ")})`);
    }
    const cls_ = use_fast ? BertTokenizerFast : BertTokenizer;
    return cls_.from_pretrained(id_or_path, { model_input_names: inputs, ...options });
  }
}
