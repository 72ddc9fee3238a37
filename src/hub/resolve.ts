// Resolving `from_pretrained` ids to local files, in this order:
//   1. a local folder (used as is);
//   2. the Hugging Face cache shared with Python (a cached file costs no request);
//   3. a download from the hub (HF_ENDPOINT), unless offline (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE /
//      local_files_only);
//   4. a model shipped with the package (models/<name>, id "bertlab/<name>") when the cache and the
//      hub cannot give it (offline, hub unreachable, or no such repo on the hub).
import * as fs from "fs";
import * as path from "path";
import { hf_hub_download, type DownloadOptions } from "./download";
import { EntryNotFoundError, GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError } from "./errors";
import { shipped_model_path } from "./shipped";
import { not_found_hint } from "./suggest";
import { validate_filename } from "./cache";
import type { ProgressCallback } from "../utils/progress";

/** The hub options of every from_pretrained (Python keyword names): revision, cache, offline mode, token, subfolder, progress. */
export interface PretrainedOptions {
  /** Git revision on the hub (branch, tag or commit). Default "main". */
  revision?: string;
  /** Cache directory (default: HF_HUB_CACHE, or HF_HOME/hub, or ~/.cache/huggingface/hub). */
  cache_dir?: string;
  /** Never touch the network; use local folders, the cache and the shipped models only. */
  local_files_only?: boolean;
  /** Hub access token for private or gated repos (default: HF_TOKEN). */
  token?: string;
  /** Download again even when the cache has the file. */
  force_download?: boolean;
  /** A folder inside the repo (or local folder) holding the files. */
  subfolder?: string;
  /** Receives download progress events (initiate / download / progress / done). */
  progress_callback?: ProgressCallback;
  /** Force the stderr progress bar on (true) or off (false); default: only when stderr is a TTY. */
  progress_bar?: boolean;
}

function looksLikePath(id: string): boolean {
  return path.isAbsolute(id) || id.startsWith("./") || id.startsWith("../") || id.startsWith("~") || id.includes("\\") || id === "." || id === "..";
}

function fromFolder(folder: string, file: string, optional: boolean | undefined, what: string): string | null {
  const full = path.join(folder, ...file.split("/"));
  if (fs.existsSync(full)) return full;
  if (optional) return null;
  throw new EntryNotFoundError(`${what} does not contain a file named ${file} (looked for ${full})`);
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
  if (typeof filename !== "string" || filename.length === 0) {
    throw new TypeError(`cached_file: expected a file name such as 'config.json', got ${JSON.stringify(filename)}`);
  }
  const file = options.subfolder ? `${options.subfolder.replace(/^\/+|\/+$/g, "")}/${filename}` : filename;
  validate_filename(file);

  if (fs.existsSync(id_or_path) && fs.statSync(id_or_path).isDirectory()) {
    return fromFolder(id_or_path, file, options.optional, `the folder ${id_or_path}`);
  }
  if (looksLikePath(id_or_path) || fs.existsSync(id_or_path)) {
    throw new Error(
      fs.existsSync(id_or_path)
        ? `'${id_or_path}' is a file; from_pretrained expects a folder holding ${filename} (or a hub id such as 'bert-base-uncased')`
        : `the folder '${id_or_path}' does not exist (resolved to ${path.resolve(id_or_path)})`,
    );
  }

  const download: DownloadOptions = {
    revision: options.revision,
    cache_dir: options.cache_dir,
    local_files_only: options.local_files_only,
    token: options.token,
    force_download: options.force_download,
    progress_callback: options.progress_callback,
    progress_bar: options.progress_bar,
  };
  try {
    return await hf_hub_download(id_or_path, file, download);
  } catch (e) {
    const shipped = shipped_model_path(id_or_path);
    const hubCannot = e instanceof LocalEntryNotFoundError || e instanceof RepositoryNotFoundError || e instanceof GatedRepoError;
    if (shipped && hubCannot) return fromFolder(shipped, file, options.optional, `the shipped model '${id_or_path}' (${shipped})`);
    if (options.optional && (e instanceof EntryNotFoundError || e instanceof LocalEntryNotFoundError)) return null;
    if (!shipped && hubCannot) (e as Error).message += `. ${not_found_hint(id_or_path, options.cache_dir)}`;
    throw e;
  }
}

const HUB_KEYS = ["revision", "cache_dir", "local_files_only", "token", "force_download", "subfolder", "progress_callback", "progress_bar"] as const;

/** Splits an options object into the hub options `cached_file` takes and everything else (e.g. config overrides). */
export function split_hub_options<T extends object>(options: T): { hub: PretrainedOptions; rest: Omit<T, keyof PretrainedOptions> } {
  const hub: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) ((HUB_KEYS as readonly string[]).includes(k) ? hub : rest)[k] = v;
  return { hub: hub as PretrainedOptions, rest: rest as Omit<T, keyof PretrainedOptions> };
}
