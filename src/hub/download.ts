// Downloading one file of a hub repo into the shared cache (the huggingface_hub protocol):
// HEAD {endpoint}/{id}/resolve/{revision}/{file} (relative redirects followed, CDN redirects not)
// gives X-Repo-Commit (the commit), X-Linked-Etag or ETag (the blob name) and the size; the GET
// then streams into blobs/<etag>.incomplete, which is renamed into place only when complete and of
// the announced size. The cache is used first: a file already in the snapshot costs no request.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { hf_endpoint, default_cache_dir, is_offline_mode, hf_token, progress_bars_disabled } from "./env";
import { CACHED_NO_EXIST, type RepoType, cached_commit, link_snapshot, mark_no_exist, repo_cache_path, try_to_load_from_cache, validate_filename, validate_repo_id, validate_revision, write_ref, COMMIT_RE } from "./cache";
import { EntryNotFoundError, GatedRepoError, HubError, LocalEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError } from "./errors";
import { DownloadProgress, type ProgressOptions } from "../utils/progress";
import { package_root } from "./shipped";
import { with_file_lock } from "./lock";

/** Options of hf_hub_download (Python: `huggingface_hub.hf_hub_download` keyword arguments): revision, cache, token, timeouts, progress. */
export interface DownloadOptions extends ProgressOptions {
  /** Branch, tag or commit (default "main"). */
  revision?: string;
  /** Cache folder (default: see default_cache_dir()). */
  cache_dir?: string;
  /** Use the cache only, never the network. */
  local_files_only?: boolean;
  /** Access token (default HF_TOKEN). */
  token?: string;
  /** Ask the hub again and download even when the cache has the file. */
  force_download?: boolean;
  /** Seconds to wait for the metadata request (default 10, as huggingface_hub). */
  etag_timeout?: number;
  /** Seconds a download may go without receiving a byte before it is abandoned (default 60). */
  read_timeout?: number;
  /** "model" (default) or "dataset": a dataset repo's URLs start with /datasets/, its cache folder with datasets--. */
  repo_type?: RepoType;
}

interface FileMetadata {
  commit: string;
  etag: string;
  /** The LFS object id (sha256 of the content) when the hub sent X-Linked-Etag: checked after download. */
  sha256: string | undefined;
  size: number | undefined;
  /** The URL the file can be fetched from (after relative redirects). */
  url: string;
}

let userAgent: string | null = null;
function user_agent(): string {
  if (!userAgent) {
    let version = "0";
    try {
      const root = package_root();
      if (root) version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version ?? "0";
    } catch {
      // keep "0"
    }
    userAgent = `bertlab/${version}; node/${process.versions.node}`;
  }
  return userAgent;
}

/** The URL of a file in a repo: {endpoint}/{id}/resolve/{revision}/{file} ({endpoint}/datasets/{id}/... for a dataset). */
export function hf_hub_url(repo_id: string, filename: string, revision = "main", endpoint = hf_endpoint(), repo_type: RepoType = "model"): string {
  return `${endpoint}/${repo_type === "dataset" ? "datasets/" : ""}${repo_id}/resolve/${encodeURIComponent(revision)}/${filename.split("/").map(encodeURIComponent).join("/")}`;
}

function normalizeEtag(etag: string | null): string | null {
  if (!etag) return null;
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1") || null;
}

/** Maps an error response to the matching error, with huggingface_hub's wording. */
function httpError(res: Response, repo_id: string, filename: string, revision: string, sentToken: boolean): HubError {
  const code = res.headers.get("x-error-code");
  const serverMsg = res.headers.get("x-error-message");
  const endpoint = hf_endpoint();
  const detail = ` (HTTP ${res.status}${serverMsg ? `: ${serverMsg}` : ""}, ${res.url || hf_hub_url(repo_id, filename, revision)})`;
  if (code === "GatedRepo") {
    return new GatedRepoError(`'${repo_id}' is a gated repo: request access at ${endpoint}/${repo_id} and pass a token having permission to it (the \`token\` option or HF_TOKEN)${detail}`);
  }
  if (code === "RepoNotFound" || res.status === 401 || (res.status === 403 && !code)) {
    return new RepositoryNotFoundError(
      `'${repo_id}' is not a local folder and is not a valid model identifier listed on '${endpoint}/models'. ` +
        (sentToken
          ? "The token sent does not give access to it; check the id and the token's permissions"
          : "If this is a private repository, pass a token having permission to it with the `token` option or the HF_TOKEN environment variable") +
        detail,
    );
  }
  if (code === "RevisionNotFound") {
    return new RevisionNotFoundError(`'${revision}' is not a valid git identifier (branch name, tag name or commit id) that exists for '${repo_id}'; see ${endpoint}/${repo_id} for its branches and tags${detail}`);
  }
  if (code === "EntryNotFound" || res.status === 404) {
    return new EntryNotFoundError(`'${repo_id}' does not appear to have a file named ${filename} (revision '${revision}'); see ${endpoint}/${repo_id}/tree/${encodeURIComponent(revision)} for its files${detail}`);
  }
  return new HubError(`the hub answered HTTP ${res.status} for ${filename} of '${repo_id}'${serverMsg ? `: ${serverMsg}` : ""} (${res.url})`);
}

function unreachable(repo_id: string, filename: string, storage: string, cause: unknown): LocalEntryNotFoundError {
  const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return new LocalEntryNotFoundError(
    `could not connect to '${hf_endpoint()}' to load ${filename} of '${repo_id}' (${why}), and it is not in the cached files at ${storage}. ` +
      "Check your connection, or run offline with files already in the cache (HF_HUB_OFFLINE=1)",
    { cause },
  );
}

async function getMetadata(url: string, headers: Record<string, string>, timeoutS: number): Promise<{ res: Response; url: string }> {
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(url, { method: "HEAD", headers, redirect: "manual", signal: AbortSignal.timeout(timeoutS * 1000) });
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location && !/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
      url = new URL(location, url).toString(); // a renamed repo: follow (same host)
      continue;
    }
    return { res, url };
  }
  throw new HubError(`too many relative redirects for ${url}`);
}

const inflight = new Map<string, Promise<void>>();

/** Streams `url` into `blob` via `blob.incomplete`; the blob appears only complete and of the right size. */
async function downloadBlob(url: string, blob: string, expected: number | undefined, sha256: string | undefined, headers: Record<string, string>, progress: DownloadProgress | null, what: string, readTimeoutS: number): Promise<void> {
  const incomplete = `${blob}.incomplete`;
  fs.mkdirSync(path.dirname(blob), { recursive: true });
  fs.rmSync(incomplete, { force: true }); // a partial file from an earlier run is never trusted
  let loaded = 0;
  let ok = false;
  const hash = sha256 ? crypto.createHash("sha256") : null;
  const fh = await fs.promises.open(incomplete, "w");
  const abort = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(new Error(`no data for ${readTimeoutS} s`)), readTimeoutS * 1000);
  };
  try {
    arm();
    const res = await fetch(url, { headers, redirect: "follow", signal: abort.signal });
    if (!res.ok || !res.body) throw new HubError(`downloading ${what} failed: HTTP ${res.status} from ${res.url}`);
    const len = res.headers.get("content-length");
    const total = len != null ? Number(len) : expected;
    if (expected != null && len != null && Number(len) !== expected) {
      throw new HubError(`downloading ${what}: the server announced ${expected} bytes but sends ${len}`);
    }
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        await fh.write(chunk);
        hash?.update(chunk);
        loaded += chunk.byteLength;
        progress?.update(loaded);
      }
    } catch (e) {
      const why = abort.signal.aborted ? (abort.signal.reason as Error).message : (e as Error).message;
      throw new HubError(`download of ${what} was interrupted after ${loaded} of ${total ?? "?"} bytes (${why}); the partial file ${path.basename(incomplete)} will be discarded and the download restarted on the next try`, { cause: e });
    }
    if (total != null && loaded !== total) {
      throw new HubError(`download of ${what} is incomplete: received ${loaded} of ${total} bytes; it will be restarted on the next try`);
    }
    const digest = hash?.digest("hex");
    if (sha256 && digest !== sha256) {
      throw new HubError(`download of ${what} is corrupted: its sha256 is ${digest}, but the hub's X-Linked-Etag says ${sha256}; it will be downloaded again on the next try`);
    }
    await fh.sync();
    ok = true;
  } finally {
    clearTimeout(idle);
    await fh.close();
    progress?.stop(loaded, ok);
  }
  fs.renameSync(incomplete, blob);
}

/**
 * The local path of `filename` in hub repo `repo_id`, downloading it into the cache if needed.
 * Throws RepositoryNotFoundError, GatedRepoError, RevisionNotFoundError, EntryNotFoundError, or
 * LocalEntryNotFoundError (offline / unreachable and not cached).
 */
export async function hf_hub_download(repo_id: string, filename: string, options: DownloadOptions = {}): Promise<string> {
  validate_repo_id(repo_id);
  validate_filename(filename);
  const revision = options.revision ?? "main";
  validate_revision(revision);
  const cache_dir = options.cache_dir ?? default_cache_dir();
  const storage = repo_cache_path(repo_id, cache_dir, options.repo_type);
  const endpoint = hf_endpoint();

  if (!options.force_download) {
    const hit = try_to_load_from_cache(repo_id, filename, { cache_dir, revision, repo_type: options.repo_type });
    if (typeof hit === "string") return hit;
    if (hit === CACHED_NO_EXIST) {
      throw new EntryNotFoundError(`'${repo_id}' does not have a file named ${filename} at revision '${revision}' (recorded in the cache at ${storage}/.no_exist; pass force_download: true to ask the hub again)`);
    }
  }
  if (options.local_files_only || is_offline_mode()) {
    const why = options.local_files_only ? "local_files_only is set" : "offline mode is on (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE)";
    throw new LocalEntryNotFoundError(
      `cannot find ${filename} of '${repo_id}' (revision '${revision}') in the cached files at ${storage}, and ${why}, so it cannot be downloaded. ` +
        "Download it once while online, or pass the path of a local folder holding it",
    );
  }

  const token = hf_token(options.token);
  const headers: Record<string, string> = { "user-agent": user_agent(), "accept-encoding": "identity" };
  if (token) headers.authorization = `Bearer ${token}`;
  const url = hf_hub_url(repo_id, filename, revision, endpoint, options.repo_type);

  let meta: FileMetadata;
  try {
    const { res, url: finalUrl } = await getMetadata(url, headers, options.etag_timeout ?? 10);
    if (res.status >= 500) {
      throw unreachable(repo_id, filename, storage, new Error(`the hub answered HTTP ${res.status}`));
    }
    if (res.status >= 400) {
      const err = httpError(res, repo_id, filename, revision, token != null);
      const commit = res.headers.get("x-repo-commit");
      if (err instanceof EntryNotFoundError && commit && COMMIT_RE.test(commit)) {
        mark_no_exist(storage, commit, filename);
        write_ref(storage, revision, commit);
      }
      throw err;
    }
    const commit = res.headers.get("x-repo-commit");
    const linked = normalizeEtag(res.headers.get("x-linked-etag"));
    const etag = linked ?? normalizeEtag(res.headers.get("etag"));
    if (!commit || !COMMIT_RE.test(commit) || !etag || /[/\\]|^\.\.?$/.test(etag)) {
      throw new HubError(`${endpoint} did not send a commit (X-Repo-Commit) and an ETag for ${filename} of '${repo_id}'; is HF_ENDPOINT a Hugging Face hub?`);
    }
    const size = res.headers.get("x-linked-size") ?? res.headers.get("content-length");
    meta = { commit, etag, sha256: linked && /^[0-9a-f]{64}$/.test(linked) ? linked : undefined, size: size != null ? Number(size) : undefined, url: finalUrl };
  } catch (e) {
    if (e instanceof HubError) throw e;
    throw unreachable(repo_id, filename, storage, e);
  }

  write_ref(storage, revision, meta.commit);
  const pointer = path.join(storage, "snapshots", meta.commit, ...filename.split("/"));
  if (!options.force_download && fs.existsSync(pointer)) return pointer;
  const blob = path.join(storage, "blobs", meta.etag);
  if (options.force_download || !fs.existsSync(blob)) {
    let job = inflight.get(blob);
    if (!job) {
      const out = (options.stream ?? process.stderr) as NodeJS.WritableStream & { isTTY?: boolean };
      const lock = path.join(cache_dir, ".locks", path.basename(storage), `${meta.etag}.bertlab.lock`);
      const force = options.force_download === true;
      job = with_file_lock(lock, async () => {
        if (!force && fs.existsSync(blob)) return; // another process finished it while we waited
        const progress = new DownloadProgress(repo_id, filename, meta.size, { ...options, show_bar_default: Boolean(out.isTTY) && !progress_bars_disabled() });
        await downloadBlob(meta.url, blob, meta.size, meta.sha256, headers, progress, `${filename} of '${repo_id}'`, options.read_timeout ?? 60);
      }).catch((e) => {
        if (e instanceof HubError) throw e;
        throw unreachable(repo_id, filename, storage, e);
      });
      inflight.set(blob, job);
      job.then(() => inflight.delete(blob), () => inflight.delete(blob));
    }
    await job;
  }
  return link_snapshot(storage, meta.commit, filename, blob);
}

/** The commit the cache maps `revision` to, or null. */
export function cached_revision(repo_id: string, revision = "main", cache_dir: string = default_cache_dir()): string | null {
  validate_repo_id(repo_id);
  return cached_commit(repo_cache_path(repo_id, cache_dir), revision);
}
