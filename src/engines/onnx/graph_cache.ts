// On-disk cache of quantized graphs: a later process's first int8 forward opens the graph an earlier one
// wrote instead of quantizing the weights again (bert-base: 2.5–3.5 s → a session load).
//   <cache>/<key>/model.onnx, model.onnx.data, manifest.json
// <cache>: BERTLAB_INT8_CACHE (a folder; "0" / "off" turns the cache off), else $HF_HOME/bertlab/int8,
// else $XDG_CACHE_HOME (or ~/.cache)/bertlab/int8. <key>: SHA-256 over the weights' digest (every byte) —
// or, for a model whose weights are still exactly what from_pretrained read, the checkpoint files' identity
// (weights_source.ts: a warm start reads no weight) — their names / shapes, the config, architecture, graph flags, quantization (scheme included), the
// onnxruntime version and the graph builder's own source, so any change to any of them is a new entry.
// Entries are written all-or-nothing (`write_dir_atomic`: built in a temp folder, renamed into place under
// the cache's lock; a second writer that finds a valid entry under the lock keeps it). A reader trusts an
// entry only when its manifest names this key and every file has the size and mtime recorded when it was
// written (and model.onnx its SHA-256): a truncated or rewritten file is ignored and the entry rebuilt.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { LazyTensor } from "../../hub/lazy";
import type { TensorData } from "../../hub/safetensors";
import { write_dir_atomic } from "../../utils/atomic_dir";
import type { WeightsLike } from "./config";

/** The cache folder variable: a path, or 0 / off / false / no to turn the cache off. */
export const INT8_CACHE_ENV = "BERTLAB_INT8_CACHE";
/** Bumped when an entry's layout changes. */
const FORMAT = 1;
const MANIFEST = "manifest.json";
/** Entries beyond the newest KEEP are removed once unused for PRUNE_AGE_MS (never one in use now). */
const KEEP = 8;
const PRUNE_AGE_MS = 60 * 60 * 1000;

/**
 * What this process's cache did: entries opened, built (and written), and rejected as damaged; keys made
 * from a digest of every weight byte (`digests`) and from checkpoint files' identity (`file_keys`).
 */
export interface Int8CacheStats {
  hits: number;
  misses: number;
  writes: number;
  rejected: number;
  digests: number;
  file_keys: number;
}

const stats: Int8CacheStats = { hits: 0, misses: 0, writes: 0, rejected: 0, digests: 0, file_keys: 0 };

/** This process's int8 graph-cache counters (a copy). */
export function int8_cache_stats(): Int8CacheStats {
  return { ...stats };
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/** The int8 graph cache folder, or null when BERTLAB_INT8_CACHE turns it off. */
export function int8_cache_dir(): string | null {
  const v = (process.env[INT8_CACHE_ENV] ?? "").trim();
  if (/^(0|off|false|no)$/i.test(v)) return null;
  if (v) return path.resolve(expandHome(v));
  if (process.env.HF_HOME) return path.join(expandHome(process.env.HF_HOME), "bertlab", "int8");
  const base = process.env.XDG_CACHE_HOME ? expandHome(process.env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
  return path.join(base, "bertlab", "int8");
}

/**
 * 8 lanes of (rotl(h, 13) ^ word) · 0x9E3779B1 over the 32-bit words of `u`: each step is a bijection of
 * the lane state, so changing any one word always changes the result; 2× the speed of SHA-1 here, which
 * is what keeps a bert-base key (440 MB of weights) inside the cold-start budget. Not a defence against
 * someone crafting collisions — who can write the cache folder can replace the graph anyway.
 */
function laneHash(u: Int32Array): Int32Array {
  let a0 = 1, a1 = 2, a2 = 3, a3 = 4, a4 = 5, a5 = 6, a6 = 7, a7 = 8; // prettier-ignore
  const P = 0x9e3779b1 | 0;
  const n = u.length & ~7;
  for (let i = 0; i < n; i += 8) {
    a0 = Math.imul(((a0 << 13) | (a0 >>> 19)) ^ u[i], P);
    a1 = Math.imul(((a1 << 13) | (a1 >>> 19)) ^ u[i + 1], P);
    a2 = Math.imul(((a2 << 13) | (a2 >>> 19)) ^ u[i + 2], P);
    a3 = Math.imul(((a3 << 13) | (a3 >>> 19)) ^ u[i + 3], P);
    a4 = Math.imul(((a4 << 13) | (a4 >>> 19)) ^ u[i + 4], P);
    a5 = Math.imul(((a5 << 13) | (a5 >>> 19)) ^ u[i + 5], P);
    a6 = Math.imul(((a6 << 13) | (a6 >>> 19)) ^ u[i + 6], P);
    a7 = Math.imul(((a7 << 13) | (a7 >>> 19)) ^ u[i + 7], P);
  }
  for (let i = n; i < u.length; i++) a0 = Math.imul(((a0 << 13) | (a0 >>> 19)) ^ u[i], P);
  return Int32Array.of(a0, a1, a2, a3, a4, a5, a6, a7, u.length);
}

function isLazy(t: TensorData | LazyTensor): t is LazyTensor {
  return typeof (t as LazyTensor).read_into === "function";
}

/** A lazy tensor that can also lend its values without copying them (e.g. a tfjs tensor's dataSync()). */
export interface ViewableTensor extends LazyTensor {
  view(): Float32Array | Int32Array;
}

/** A digest of every weight: names, dtypes, shapes and all value bytes (lazy tensors are read once). */
export function weights_digest(weights: WeightsLike): string {
  const map = weights instanceof Map ? weights : new Map(Object.entries(weights));
  const h = crypto.createHash("sha256");
  let scratch: Float32Array | Int32Array | null = null;
  for (const name of [...map.keys()].sort()) {
    const t = map.get(name)!;
    let data: ArrayBufferView;
    if (typeof (t as ViewableTensor).view === "function") data = (t as ViewableTensor).view();
    else if (isLazy(t)) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (!scratch || scratch.length < n || (scratch instanceof Int32Array) !== (t.dtype === "int32")) scratch = t.dtype === "int32" ? new Int32Array(n) : new Float32Array(n);
      data = scratch.subarray(0, n);
      t.read_into(data as Float32Array | Int32Array);
    } else data = t.data;
    h.update(`${name}\0${t.dtype}\0${t.shape.join(",")}\0`);
    h.update(laneHash(new Int32Array(data.buffer, data.byteOffset, data.byteLength >> 2)));
    if (data.byteLength & 3) h.update(new Uint8Array(data.buffer, data.byteOffset + (data.byteLength & ~3), data.byteLength & 3));
  }
  return h.digest("hex");
}

/** JSON with sorted object keys (so the same config always gives the same key). */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) && !ArrayBuffer.isView(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}

let builderPrint: string | undefined;

/** SHA-256 of the graph builder's source files (this folder), so a changed builder never reuses old graphs. */
function builderFingerprint(): string {
  if (builderPrint) return builderPrint;
  const h = crypto.createHash("sha256");
  for (const f of fs.readdirSync(__dirname).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !/^train_/.test(f)).sort()) {
    h.update(f);
    h.update(fs.readFileSync(path.join(__dirname, f)));
  }
  return (builderPrint = h.digest("hex"));
}

/** The weights' names, dtypes and shapes (no values). */
function weightsLayout(weights: WeightsLike): string {
  const map = weights instanceof Map ? weights : new Map(Object.entries(weights));
  return [...map.keys()].sort().map((name) => `${name}\0${map.get(name)!.dtype}\0${map.get(name)!.shape.join(",")}`).join("\n");
}

/**
 * The cache key of a graph: everything its bytes depend on. `ort_version`: onnxruntime's. `weights_id`: the
 * identity of the checkpoint files the weights are known to equal (weights_source.ts), used instead of a
 * digest of every weight byte; null / absent: the digest.
 */
export function graph_cache_key(parts: { config: object; weights: WeightsLike; architecture: string; flags: object; ort_version: string; weights_id?: string | null }): string {
  const h = crypto.createHash("sha256");
  h.update(stableJson({ format: FORMAT, ort: parts.ort_version, builder: builderFingerprint(), architecture: parts.architecture, config: parts.config, flags: parts.flags }));
  if (parts.weights_id) {
    stats.file_keys++;
    h.update(`\0files\0${parts.weights_id}\0${weightsLayout(parts.weights)}`);
  } else {
    stats.digests++;
    h.update(`\0digest\0${weights_digest(parts.weights)}`);
  }
  return h.digest("hex").slice(0, 40);
}

interface Manifest {
  format: number;
  key: string;
  outputs: string[];
  files: Record<string, { size: number; mtime_ms: number; sha256?: string }>;
}

function sha256File(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The entry's manifest when the entry is complete and unchanged since it was written, else null. */
function validEntry(entry: string, key: string): Manifest | null {
  let m: Manifest;
  try {
    m = JSON.parse(fs.readFileSync(path.join(entry, MANIFEST), "utf8")) as Manifest;
  } catch {
    return null;
  }
  try {
    if (m.format !== FORMAT || m.key !== key || !Array.isArray(m.outputs) || !m.files?.["model.onnx"]) return null;
    for (const [name, f] of Object.entries(m.files)) {
      const st = fs.statSync(path.join(entry, name));
      if (st.size !== f.size || st.mtimeMs !== f.mtime_ms) return null;
      if (f.sha256 && sha256File(path.join(entry, name)) !== f.sha256) return null;
    }
    return m;
  } catch {
    return null;
  }
}

/** Records what `build` wrote into `dir`: sizes and mtimes of every file, SHA-256 of the (small) model file. */
function writeManifest(dir: string, key: string, outputs: string[]): void {
  const files: Manifest["files"] = {};
  for (const name of fs.readdirSync(dir)) {
    const st = fs.statSync(path.join(dir, name));
    files[name] = { size: st.size, mtime_ms: st.mtimeMs, ...(name === "model.onnx" ? { sha256: sha256File(path.join(dir, name)) } : {}) };
  }
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify({ format: FORMAT, key, outputs, files } satisfies Manifest));
}

class FoundValid {
  constructor(readonly manifest: Manifest) {}
}

/** A graph in the cache: the folder, its model file and outputs; `hit` when an earlier writer made it. */
export interface CachedGraph {
  dir: string;
  file: string;
  outputs: string[];
  cached: true;
  hit: boolean;
}

/**
 * The entry `key` under `root`: opened when valid, else built by `build(tmpDir)` (which writes
 * model.onnx + its data into tmpDir and returns the graph's output names) and committed atomically.
 * Errors of `build` propagate; the folder is never left half-written.
 */
export function cached_graph(root: string, key: string, build: (dir: string) => string[]): CachedGraph {
  const entry = path.join(root, key);
  const file = path.join(entry, "model.onnx");
  const found = validEntry(entry, key);
  if (found) {
    stats.hits++;
    touch(entry);
    return { dir: entry, file, outputs: found.outputs, cached: true, hit: true };
  }
  if (fs.existsSync(entry)) stats.rejected++;
  stats.misses++;
  let outputs: string[] = [];
  try {
    write_dir_atomic(entry, (tmp) => {
      const raced = validEntry(entry, key); // another process wrote it while we waited for the lock
      if (raced) throw new FoundValid(raced);
      outputs = build(tmp);
      writeManifest(tmp, key, outputs);
    });
    stats.writes++;
  } catch (e) {
    if (!(e instanceof FoundValid)) throw e;
    stats.hits++;
    outputs = e.manifest.outputs;
  }
  prune(root, entry);
  return { dir: entry, file, outputs, cached: true, hit: false };
}

/** Marks an entry as used now (its folder's mtime orders pruning). */
function touch(entry: string): void {
  try {
    const now = new Date();
    fs.utimesSync(entry, now, now);
  } catch {
    // read-only cache: it still works, it just prunes by write time
  }
}

/** Removes entries beyond the newest KEEP that nobody used for PRUNE_AGE_MS. */
function prune(root: string, keep: string): void {
  try {
    const entries = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^[0-9a-f]{40}$/.test(d.name) && path.join(root, d.name) !== keep)
      .map((d) => ({ dir: path.join(root, d.name), mtime: fs.statSync(path.join(root, d.name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    const now = Date.now();
    for (const e of entries.slice(KEEP - 1)) if (now - e.mtime > PRUNE_AGE_MS) fs.rmSync(e.dir, { recursive: true, force: true });
  } catch {
    // pruning is best effort
  }
}

/** Removes a damaged entry (e.g. one onnxruntime could not open) so the next use rebuilds it. */
export function drop_cached_graph(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
