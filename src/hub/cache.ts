// The Hugging Face cache layout, shared with Python's huggingface_hub:
//   <cache>/models--org--name/blobs/<etag>                     file contents, one per version
//   <cache>/models--org--name/refs/<revision>                  the commit a branch / tag points at
//   <cache>/models--org--name/snapshots/<commit>/<file>        symlink → ../../blobs/<etag>
//   <cache>/models--org--name/.no_exist/<commit>/<file>        empty marker: known to be missing
import * as fs from "fs";
import * as path from "path";
import { default_cache_dir } from "./env";
import { writeFileAtomicSync } from "../utils/fs";

export const COMMIT_RE = /^[0-9a-f]{40}$/;
const REPO_ID_RE = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/** Sentinel from try_to_load_from_cache: the cache records that the file does not exist. */
export const CACHED_NO_EXIST = Symbol("CACHED_NO_EXIST");

/** Throws unless `repo_id` is "name" or "org/name" as the hub allows them. */
export function validate_repo_id(repo_id: string): void {
  if (!REPO_ID_RE.test(repo_id) || repo_id.includes("--") || repo_id.includes("..") || repo_id.length > 96 || /[.-]$/.test(repo_id)) {
    throw new Error(
      `'${repo_id}' is neither a local folder nor a valid model id: expected 'name' or 'org/name' ` +
        `(letters, digits, '-', '_', '.'; no '--' or '..'; at most 96 characters)`,
    );
  }
}

/** Throws unless `filename` is a relative path inside a repo (no '..', not absolute). */
export function validate_filename(filename: string): void {
  const parts = filename.split("/");
  if (!filename || filename.startsWith("/") || filename.includes("\\") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`invalid file name '${filename}': expected a relative path inside the repo such as 'config.json' or 'onnx/model.onnx'`);
  }
}

/** Throws unless `revision` is a usable branch, tag or commit name (it becomes a path under refs/). */
export function validate_revision(revision: string): void {
  const parts = typeof revision === "string" ? revision.split("/") : [""];
  if (!revision || revision.startsWith("/") || revision.includes("\\") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`invalid revision '${revision}': expected a branch, tag or commit id such as 'main', 'v1.0' or a 40-character commit hash`);
  }
}

/** A hub repository's kind: model repos (the default) and dataset repos live side by side in the cache. */
export type RepoType = "model" | "dataset";

/** "org/name" → "models--org--name" (a dataset repo: "datasets--org--name"). */
export function repo_folder_name(repo_id: string, repo_type: RepoType = "model"): string {
  return [`${repo_type}s`, ...repo_id.split("/")].join("--");
}

/** The repo's folder in the cache. */
export function repo_cache_path(repo_id: string, cache_dir: string = default_cache_dir(), repo_type: RepoType = "model"): string {
  return path.join(cache_dir, repo_folder_name(repo_id, repo_type));
}

/** The commit a revision resolves to from the cache alone (a commit id is itself), or null. */
export function cached_commit(storage: string, revision: string): string | null {
  if (COMMIT_RE.test(revision)) return revision;
  const ref = path.join(storage, "refs", revision);
  if (!fs.existsSync(ref) || !fs.statSync(ref).isFile()) return null;
  const commit = fs.readFileSync(ref, "utf8").trim();
  return COMMIT_RE.test(commit) ? commit : null;
}

/**
 * Looks a file up in the cache without any network: its path, CACHED_NO_EXIST when the cache
 * records it as missing, or null when the cache does not know.
 */
export function try_to_load_from_cache(
  repo_id: string,
  filename: string,
  options: { cache_dir?: string; revision?: string; repo_type?: RepoType } = {},
): string | null | typeof CACHED_NO_EXIST {
  validate_repo_id(repo_id);
  validate_filename(filename);
  validate_revision(options.revision ?? "main");
  const storage = repo_cache_path(repo_id, options.cache_dir ?? default_cache_dir(), options.repo_type);
  const commit = cached_commit(storage, options.revision ?? "main");
  if (!commit) return null;
  const file = path.join(storage, "snapshots", commit, ...filename.split("/"));
  if (fs.existsSync(file)) return file; // existsSync follows the symlink: a dangling one is a miss
  if (fs.existsSync(path.join(storage, ".no_exist", commit, ...filename.split("/")))) return CACHED_NO_EXIST;
  return null;
}

/** Records that `revision` points at `commit` (refs/<revision>), atomically. */
export function write_ref(storage: string, revision: string, commit: string): void {
  if (revision === commit) return;
  const ref = path.join(storage, "refs", ...revision.split("/"));
  if (fs.existsSync(ref) && fs.readFileSync(ref, "utf8").trim() === commit) return;
  writeFileAtomicSync(ref, commit);
}

/** Makes snapshots/<commit>/<filename> point at the blob (relative symlink; a copy where links fail). */
export function link_snapshot(storage: string, commit: string, filename: string, blob: string): string {
  const pointer = path.join(storage, "snapshots", commit, ...filename.split("/"));
  fs.mkdirSync(path.dirname(pointer), { recursive: true });
  fs.rmSync(pointer, { force: true });
  try {
    fs.symlinkSync(path.relative(path.dirname(pointer), blob), pointer);
  } catch {
    fs.copyFileSync(blob, pointer); // e.g. Windows without developer mode, as huggingface_hub does
  }
  return pointer;
}

/** Records that `filename` does not exist at `commit` (.no_exist/<commit>/<filename>). */
export function mark_no_exist(storage: string, commit: string, filename: string): void {
  const marker = path.join(storage, ".no_exist", commit, ...filename.split("/"));
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  fs.writeFileSync(marker, "");
}
