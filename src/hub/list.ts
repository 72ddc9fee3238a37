// The files of a hub repo at a revision: the hub's tree API online
// (GET {endpoint}/api/{models|datasets}/{id}/tree/{revision}?recursive=true), else — offline, or the hub out of
// reach — the files the cache holds for that revision (snapshots/<commit>/), so a dataset read once loads offline.
import * as fs from "fs";
import * as path from "path";
import { cached_commit, repo_cache_path, validate_repo_id, validate_revision, type RepoType } from "./cache";
import { default_cache_dir, hf_endpoint, hf_token, is_offline_mode } from "./env";
import { LocalEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError, HubError } from "./errors";

/** `list_repo_files`' options (Python: `huggingface_hub.list_repo_files`' keywords): repo_type, revision, cache_dir, token, local_files_only. */
export interface ListOptions {
  /** "model" or "dataset". @default "model" */
  repo_type?: RepoType;
  /** Branch, tag or commit. @default "main" */
  revision?: string;
  /** The hub cache read offline (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cache_dir?: string;
  /** Access token for private repos (default: HF_TOKEN). */
  token?: string;
  /** List from the cache only, never asking the hub. @default false */
  local_files_only?: boolean;
}

/** `list_repo_files`' result: the repo's file paths and whether the hub or the cache gave them. */
export interface RepoFiles {
  /** File paths relative to the repo root ("data/train-00000-of-00001.parquet"), sorted. */
  files: string[];
  /** Where the list came from: the hub, or the cache (offline). */
  source: "hub" | "cache";
}

function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** The files the cache has for `revision` of the repo, or null when it has none. */
export function cached_repo_files(repo_id: string, options: ListOptions = {}): string[] | null {
  const storage = repo_cache_path(repo_id, options.cache_dir ?? default_cache_dir(), options.repo_type);
  const commit = cached_commit(storage, options.revision ?? "main");
  if (!commit) return null;
  const snap = path.join(storage, "snapshots", commit);
  return fs.existsSync(snap) ? walk(snap).sort() : null;
}

/** The repo's file paths at `revision`, from the hub or (offline / unreachable) from the cache. */
export async function list_repo_files(repo_id: string, options: ListOptions = {}): Promise<RepoFiles> {
  validate_repo_id(repo_id);
  const revision = options.revision ?? "main";
  validate_revision(revision);
  const kind = `${options.repo_type ?? "model"}s`;
  const from_cache = (why: string, cause?: unknown): RepoFiles => {
    const files = cached_repo_files(repo_id, options);
    if (files) return { files, source: "cache" };
    throw new LocalEntryNotFoundError(`cannot list the files of ${options.repo_type ?? "model"} '${repo_id}' (revision '${revision}'): ${why}, and the cache at ${repo_cache_path(repo_id, options.cache_dir ?? default_cache_dir(), options.repo_type)} has none for it`, cause === undefined ? undefined : { cause });
  };
  if (options.local_files_only || is_offline_mode()) return from_cache(options.local_files_only ? "local_files_only is set" : "offline mode is on (HF_HUB_OFFLINE)");
  const url = `${hf_endpoint()}/api/${kind}/${repo_id}/tree/${encodeURIComponent(revision)}?recursive=true`;
  const headers: Record<string, string> = {};
  const token = hf_token(options.token);
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    return from_cache(`the hub at ${hf_endpoint()} is out of reach (${(e as Error).message})`, e);
  }
  if (res.status >= 500) return from_cache(`the hub answered HTTP ${res.status}`);
  if (res.status === 401 || res.status === 403 || res.headers.get("x-error-code") === "RepoNotFound") {
    throw new RepositoryNotFoundError(`'${repo_id}' is not a ${options.repo_type ?? "model"} repo on ${hf_endpoint()} (or it is private: pass a token) (HTTP ${res.status}, ${url})`);
  }
  if (res.status === 404) {
    if (res.headers.get("x-error-code") === "RevisionNotFound") throw new RevisionNotFoundError(`'${revision}' is not a branch, tag or commit of '${repo_id}' (${url})`);
    throw new RepositoryNotFoundError(`'${repo_id}' is not a ${options.repo_type ?? "model"} repo on ${hf_endpoint()} (HTTP 404, ${url})`);
  }
  if (!res.ok) throw new HubError(`listing the files of '${repo_id}' failed: HTTP ${res.status} (${url})`);
  const body = (await res.json()) as { type?: string; path?: string }[];
  if (!Array.isArray(body)) throw new HubError(`listing the files of '${repo_id}': ${url} did not answer with a list of entries`);
  return { files: body.filter((e) => e.type === "file" && typeof e.path === "string").map((e) => e.path!).sort(), source: "hub" };
}
