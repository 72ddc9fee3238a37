// Writes a fine-tuned model the way the shipped models are stored: Hugging Face's folder layout with
// config.json (torch_dtype float16), float16 model.safetensors (tied weights once), the tokenizer files, and
// optional JSON side files. Shared by finetune-sentiment.ts and finetune-heads.ts.
import * as fs from "fs";
import * as path from "path";
import { writeSafetensors, type TensorData } from "../src/hub/safetensors";
import type { BertTokenizer } from "../src/tokenizers";
import { writeFileAtomicSync } from "../src/utils/fs";

/** The parts of a bertlab model this writer needs. */
export interface SavableModel {
  save_pretrained(dir: string): void;
  tied_weight_names(): string[];
  state_dict(): Map<string, { shape: number[]; dataSync(): ArrayLike<number> }>;
}

/** config.json (float16), F16 model.safetensors and the tokenizer files in `dir`; `json` adds files (name → value). */
export function save_model_f16(model: SavableModel, tokenizer: BertTokenizer, dir: string, json: Record<string, unknown> = {}): void {
  model.save_pretrained(dir);
  const cfgFile = path.join(dir, "config.json");
  const config = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
  config.torch_dtype = "float16";
  writeFileAtomicSync(cfgFile, JSON.stringify(config, null, 2) + "\n");
  const tied = new Set(model.tied_weight_names());
  const tensors = new Map<string, TensorData>();
  for (const [name, v] of model.state_dict()) {
    if (!tied.has(name)) tensors.set(name, { dtype: "float32", shape: v.shape.slice(), data: Float32Array.from(v.dataSync()) });
  }
  writeSafetensors(path.join(dir, "model.safetensors"), tensors, { format: "pt" }, { float_dtype: "F16" });
  tokenizer.save_pretrained(dir);
  for (const [name, value] of Object.entries(json)) writeFileAtomicSync(path.join(dir, name), JSON.stringify(value, null, 2) + "\n");
}
