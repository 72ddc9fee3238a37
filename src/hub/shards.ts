// Sharded checkpoints: model.safetensors.index.json / pytorch_model.bin.index.json name, for each
// parameter, the shard file holding it ({ metadata: { total_size }, weight_map: { name: file } }).
// Reading resolves every shard like any other file (folder, cache, hub) and merges them; writing
// splits a state dict into model-0000k-of-0000n.safetensors files of at most max_shard_size bytes.
import * as fs from "fs";
import * as path from "path";
import { cached_file, type PretrainedOptions } from "./resolve";
import { open_safetensors, serializeSafetensors, type TensorData } from "./safetensors";
import { open_torch_bin } from "./torch_bin";
import { read_all, with_reader, type LazyTensor, type WeightsReader } from "./lazy";
import { write_files_atomic, type DirFile } from "../utils/atomic_dir";
import { read_json_file } from "../utils/read_file";

/** A sharded checkpoint's index (`model.safetensors.index.json` or `pytorch_model.bin.index.json`): metadata and which shard file holds each weight. */
export interface ShardIndex {
  metadata: Record<string, unknown>;
  weight_map: Record<string, string>;
}

/** Parses and checks an index file. */
export function read_shard_index(file: string): ShardIndex {
  let json: unknown;
  try {
    json = read_json_file(file, "shard index");
  } catch (e) {
    throw new Error(`${file}: not a readable JSON shard index (${(e as Error).message})`);
  }
  const wm = (json as ShardIndex | null)?.weight_map;
  if (!wm || typeof wm !== "object" || Object.values(wm).some((f) => typeof f !== "string" || f.includes("..") || path.isAbsolute(f))) {
    throw new Error(`${file}: expected { "weight_map": { "<parameter>": "<shard file>" } } with shard files inside the repo`);
  }
  return { metadata: (json as ShardIndex).metadata ?? {}, weight_map: wm };
}

/** The distinct shard files of an index, in order of first use. */
export function shard_files(index: ShardIndex): string[] {
  return [...new Set(Object.values(index.weight_map))];
}

/** Resolves the index and every shard it names (downloading them if needed). */
export async function get_checkpoint_shard_files(
  id_or_path: string,
  index_filename: string,
  options: PretrainedOptions = {},
): Promise<{ index: ShardIndex; files: string[] }> {
  const indexFile = (await cached_file(id_or_path, index_filename, options))!;
  const index = read_shard_index(indexFile);
  const prefix = path.posix.dirname(index_filename) === "." ? "" : `${path.posix.dirname(index_filename)}/`;
  const files: string[] = [];
  for (const shard of shard_files(index)) files.push((await cached_file(id_or_path, prefix + shard, options))!);
  return { index, files };
}

/** Opens a weights file by its name: safetensors, else a torch.save'd pytorch_model bin. */
export function open_weights_file(file: string): WeightsReader {
  return file.endsWith(".safetensors") ? open_safetensors(file) : open_torch_bin(file);
}

/** Opens every shard (headers only) as one reader, checked against the index; close() closes them all. */
export function open_sharded_checkpoint(index: ShardIndex, files: string[]): WeightsReader {
  const readers: WeightsReader[] = [];
  const close = () => readers.forEach((r) => r.close());
  try {
    const tensors = new Map<string, LazyTensor>();
    for (const file of files) {
      const r = open_weights_file(file);
      readers.push(r);
      for (const [k, v] of r.tensors) tensors.set(k, v);
    }
    const missing = Object.keys(index.weight_map).filter((k) => !tensors.has(k));
    if (missing.length) throw new Error(`sharded checkpoint: ${missing.length} parameters listed in the index are in no shard (first: ${missing.slice(0, 3).join(", ")})`);
    return { source: files.join(", "), tensors, metadata: {}, close };
  } catch (e) {
    close();
    throw e;
  }
}

/** Reads shards (safetensors or pytorch_model bins) into one state dict, checking it against the index. */
export function read_sharded_checkpoint(index: ShardIndex, files: string[]): Map<string, TensorData> {
  return with_reader(open_sharded_checkpoint(index, files), read_all);
}

/** transformers' default largest weights file (`save_pretrained(max_shard_size="5GB")`). */
export const DEFAULT_MAX_SHARD_SIZE = "5GB";

/** A size as transformers writes it: bytes, or "5GB" / "500MB" / "1GiB" / "100KB" (decimal and binary units). */
export function parse_shard_size(size: number | string): number {
  if (typeof size === "number") {
    if (!(size > 0) || !Number.isFinite(size)) throw new Error(`max_shard_size must be a positive number of bytes or a size like "5GB", got ${size}`);
    return size;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KIB|MB|MIB|GB|GIB)?\s*$/i.exec(size);
  const units: Record<string, number> = { B: 1, KB: 1e3, KIB: 2 ** 10, MB: 1e6, MIB: 2 ** 20, GB: 1e9, GIB: 2 ** 30 };
  if (!m || !(Number(m[1]) > 0)) throw new Error(`max_shard_size must be a positive number of bytes or a size like "5GB", got "${size}"`);
  return Math.floor(Number(m[1]) * units[(m[2] ?? "B").toUpperCase()]);
}

/**
 * transformers' shard plan: tensors in order, a new shard whenever the next one would pass `max_shard_size`;
 * one model.safetensors when everything fits, else model-0000k-of-0000n.safetensors plus
 * model.safetensors.index.json. Returns the files' bytes (nothing is written).
 */
export function shard_safetensors(tensors: Map<string, TensorData>, max_shard_size: number | string = DEFAULT_MAX_SHARD_SIZE, metadata: Record<string, string> = { format: "pt" }): DirFile[] {
  const limit = parse_shard_size(max_shard_size);
  const shards: Map<string, TensorData>[] = [new Map()];
  let size = 0;
  let total = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * 4;
    if (size > 0 && size + bytes > limit) {
      shards.push(new Map());
      size = 0;
    }
    shards[shards.length - 1].set(name, t);
    size += bytes;
    total += bytes;
  }
  if (shards.length === 1) return [{ name: "model.safetensors", data: serializeSafetensors(shards[0], metadata) }];
  const n = String(shards.length).padStart(5, "0");
  const weight_map: Record<string, string> = {};
  const files: DirFile[] = shards.map((shard, i) => {
    const name = `model-${String(i + 1).padStart(5, "0")}-of-${n}.safetensors`;
    for (const k of shard.keys()) weight_map[k] = name;
    return { name, data: serializeSafetensors(shard, metadata) };
  });
  const sorted = Object.fromEntries(Object.entries(weight_map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  files.push({ name: "model.safetensors.index.json", data: JSON.stringify({ metadata: { total_size: total }, weight_map: sorted }, null, 2) + "\n" });
  return files;
}

/** Weight files of an earlier save in `dir` that a save writing `keep` replaces (transformers deletes them too). */
export function stale_weight_files(dir: string, keep: string[]): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => /^model(-\d{5}-of-\d{5})?\.safetensors$|^model\.safetensors\.index\.json$/.test(n) && !keep.includes(n));
}

/**
 * Writes `tensors` as safetensors shards of at most `max_shard_size` (bytes or "5GB") into `folder`, all-or-nothing
 * (../utils/atomic_dir.ts: a reader sees the old set of files or the new one, and weight files of an earlier save
 * that the new one does not have are deleted in the same commit). Returns the files written (names in `folder`).
 */
export function write_sharded_safetensors(folder: string, tensors: Map<string, TensorData>, max_shard_size: number | string = DEFAULT_MAX_SHARD_SIZE, metadata: Record<string, string> = { format: "pt" }): string[] {
  const files = shard_safetensors(tensors, max_shard_size, metadata);
  const names = files.map((f) => f.name);
  write_files_atomic(folder, files, { remove: stale_weight_files(folder, names) });
  return names;
}
