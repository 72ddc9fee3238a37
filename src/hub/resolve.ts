// Resolving `from_pretrained` ids to local files. A local folder is used as is.
// (Hub ids, the Hugging Face cache layout, downloads and the shipped models extend this module.)
import * as fs from "fs";
import * as path from "path";

export interface PretrainedOptions {
  /** Git revision on the hub (branch, tag or commit). Default "main". */
  revision?: string;
  /** Cache directory (default: HF_HUB_CACHE, or HF_HOME/hub, or ~/.cache/huggingface/hub). */
  cache_dir?: string;
  /** Never touch the network; use local folders and the cache only. */
  local_files_only?: boolean;
}

/**
 * The local path of `filename` for a model id or folder. With `optional: true` a missing file
 * resolves to null; otherwise it is an error naming the id and the file.
 */
export async function cached_file(
  id_or_path: string,
  filename: string,
  options: PretrainedOptions & { optional?: boolean } = {},
): Promise<string | null> {
  if (typeof id_or_path !== "string" || id_or_path.length === 0) {
    throw new TypeError(`from_pretrained: expected a model id or a folder path (string), got ${JSON.stringify(id_or_path)}`);
  }
  if (fs.existsSync(id_or_path) && fs.statSync(id_or_path).isDirectory()) {
    const file = path.join(id_or_path, filename);
    if (fs.existsSync(file)) return file;
    if (options.optional) return null;
    throw new Error(`${id_or_path} does not contain a file named ${filename}`);
  }
  throw new Error(`'${id_or_path}' is not a local folder, and hub downloads are not available yet`);
}
