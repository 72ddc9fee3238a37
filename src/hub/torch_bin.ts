// Reading PyTorch checkpoints (pytorch_model.bin) without Python or torch.
// torch.save (>= 1.6) writes a zip: `<top>/data.pkl` (the pickled state dict, whose tensors point at
// storages by persistent id) and `<top>/data/<key>` (each storage's raw little-endian bytes); <top>
// is usually "archive" but is the file's stem in older writers. The legacy format (torch < 1.6) is a
// stream of pickles followed by the storages. Tensors become TensorData: float → float32,
// integers → int32. Only the globals a state dict needs are allowed (see TORCH_GLOBALS).
import { FileFormatError, read_regular_file } from "../utils/read_file";
import { GlobalRef, loadPickle, loadPickleAt, PyDict, type AllowedGlobal } from "./pickle";
import { alloc_decoded, decode_into, DTYPE_BYTES, float_dtype, type StoredDtype, type TensorData } from "./dtypes";
import { buffer_source, file_source, read_all, with_reader, type ByteSource, type LazyTensor, type WeightsReader } from "./lazy";
import { read_zip_directory, read_zip_entry, zip_data_offset, type ZipEntry } from "./zip";

/** torch.*Storage classes → stored dtype. */
const STORAGE_DTYPES: Record<string, StoredDtype> = {
  FloatStorage: "F32",
  DoubleStorage: "F64",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
};
const ITEM_SIZE = DTYPE_BYTES;

/** A storage named by a persistent id; its bytes come from the zip entry or the legacy stream. */
interface StorageRef {
  kind: "storage";
  key: string;
  dtype: StoredDtype;
  numel: number;
}

/** What `_rebuild_tensor_v2` describes: a strided view into a storage. */
interface TensorRef {
  kind: "tensor";
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

/** A short, never-throwing description of an unpickled value (it may be cyclic or huge). */
function preview(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 80)}…` : s;
  } catch {
    return Array.isArray(v) ? `a list of ${v.length} items` : typeof v;
  }
}

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) {
    throw new FileFormatError(`${what}: expected a tuple of non-negative ints, got ${preview(v)}`);
  }
  return v as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!storage || (storage as StorageRef).kind !== "storage") throw new FileFormatError("_rebuild_tensor_v2: first argument is not a storage");
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) throw new FileFormatError(`_rebuild_tensor_v2: storage offset ${preview(offset)} is not a non-negative int`);
  const s = intList(size, "_rebuild_tensor_v2 size");
  const st = intList(stride, "_rebuild_tensor_v2 stride");
  if (s.length !== st.length) throw new FileFormatError(`_rebuild_tensor_v2: size [${s}] and stride [${st}] differ in rank`);
  return { kind: "tensor", storage: storage as StorageRef, offset, size: s, stride: st };
}

/** The only globals a state dict needs. Storage classes are markers (never called). */
export const TORCH_GLOBALS: Record<string, AllowedGlobal> = (() => {
  const g: Record<string, AllowedGlobal> = {
    "collections.OrderedDict": {
      call: (args) => {
        const d = new PyDict();
        const items = args[0];
        if (Array.isArray(items)) for (const kv of items) if (Array.isArray(kv) && kv.length === 2) d.set(kv[0], kv[1]);
        return d;
      },
    },
    "torch._utils._rebuild_tensor_v2": { call: rebuildTensor },
    "torch._utils._rebuild_parameter": {
      call: (args) => {
        if (!args[0] || (args[0] as TensorRef).kind !== "tensor") throw new FileFormatError("_rebuild_parameter: first argument is not a tensor");
        return args[0];
      },
    },
  };
  for (const [cls, dtype] of Object.entries(STORAGE_DTYPES)) {
    g[`torch.${cls}`] = { value: dtype };
    g[`torch.cuda.${cls}`] = { value: dtype };
  }
  return g;
})();

const ALLOWED = "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch[.cuda].<Type>Storage";

/** Resolves a storage-class marker (the GlobalRef's entry value) to its dtype. */
function storageDtype(cls: unknown, source: string): StoredDtype {
  const dtype = cls instanceof GlobalRef ? (cls.entry.value as StoredDtype | undefined) : undefined;
  if (!dtype) throw new FileFormatError(`${source}: persistent id names storage type ${cls instanceof GlobalRef ? cls.fullName : String(cls)}, expected one of torch.${Object.keys(STORAGE_DTYPES).join(", torch.")}`);
  return dtype;
}

function storageFromPid(pid: unknown, source: string, legacy: boolean): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== "storage") {
    const tag = Array.isArray(pid) ? String(pid[0]) : typeof pid;
    throw new FileFormatError(`${source}: refusing persistent id '${tag}': only tensor storages are allowed`);
  }
  const [, cls, key, , numel, view] = pid;
  if (legacy && view != null) throw new FileFormatError(`${source}: storage views (legacy view_metadata) are not supported; re-save with a recent torch.save`);
  if (typeof key !== "string" || typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0 || numel > 2 ** 40) {
    throw new FileFormatError(`${source}: malformed storage persistent id (key ${preview(key)}, size ${preview(numel)})`);
  }
  return { kind: "storage", key, dtype: storageDtype(cls, source), numel };
}

/** Checks that the view stays inside its storage; returns its element count and whether it is contiguous. */
function checkView(t: TensorRef, name: string): { n: number; contiguous: boolean } {
  const n = t.size.reduce((a, b) => a * b, 1);
  if (n === 0) return { n, contiguous: true };
  let last = t.offset;
  for (let d = 0; d < t.size.length; d++) last += (t.size[d] - 1) * t.stride[d];
  if (t.offset < 0 || last >= t.storage.numel) {
    throw new FileFormatError(`${name}: view (offset ${t.offset}, size [${t.size}], stride [${t.stride}]) reaches element ${last}, past the storage's ${t.storage.numel}`);
  }
  if (n > 2 ** 31 - 1) throw new FileFormatError(`${name}: size [${t.size}] has ${n} elements, more than a typed array holds`);
  let contiguous = true;
  for (let d = t.size.length - 1, expect = 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== expect) contiguous = false;
    expect *= t.size[d];
  }
  return { n, contiguous };
}

/** Copies a strided (non-contiguous) view of a decoded storage into `out` (n values, contiguous). */
function gather(storage: Float32Array | Int32Array, t: TensorRef, n: number, out: Float32Array | Int32Array): void {
  const rank = t.size.length;
  const idx = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let i = 0; i < n; i++) {
    out[i] = storage[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += t.stride[d];
      if (idx[d] < t.size[d]) break;
      src -= t.stride[d] * t.size[d];
      idx[d] = 0;
    }
  }
}

/** How a format gives the bytes of a storage: `read` a byte range, or `read_into` a destination. */
interface StorageAccess {
  /** Checks that the storage's bytes exist and are at least `bytes` long (declared sizes only, nothing read). */
  check(s: StorageRef, bytes: number): void;
  read(s: StorageRef, offset: number, length: number): Uint8Array;
  read_into(s: StorageRef, dest: Uint8Array, offset: number): void;
}

/**
 * Turns the unpickled object (a dict of tensor views) into lazy tensors: every view and storage size
 * is checked now, the bytes are read when a tensor is. Contiguous views (the usual case) read only
 * their own bytes, F32 ones straight into the destination; strided ones decode their storage and gather.
 */
function lazyTensors(obj: unknown, access: StorageAccess, source: string): Map<string, LazyTensor> {
  if (!(obj instanceof PyDict)) throw new FileFormatError(`${source}: expected a state dict (a dict of tensors) at the top level, got ${Array.isArray(obj) ? "a list/tuple" : obj === null ? "None" : typeof obj}`, source);
  const out = new Map<string, LazyTensor>();
  for (const [key, value] of obj) {
    if (typeof key !== "string") throw new FileFormatError(`${source}: state dict key ${String(key)} is not a string`, source);
    if (!value || (value as TensorRef).kind !== "tensor") {
      const what = value instanceof PyDict ? `a nested dict (keys: ${[...value.keys()].slice(0, 5).map(String).join(", ")})` : value === null ? "None" : typeof value;
      throw new FileFormatError(`${source}: '${key}' is ${what}, expected a tensor; pass the model's state dict, not a training checkpoint`, source);
    }
    const t = value as TensorRef;
    const name = `${source}: '${key}'`;
    const { n, contiguous } = checkView(t, name);
    const item = ITEM_SIZE[t.storage.dtype];
    access.check(t.storage, t.storage.numel * item);
    out.set(key, {
      dtype: float_dtype(t.storage.dtype) ? "float32" : "int32",
      shape: [...t.size],
      stored: t.storage.dtype,
      read_into(dest) {
        if (dest.length !== n) throw new FileFormatError(`${name}: destination holds ${dest.length} values, the tensor ${n}`, source);
        if (n === 0) return;
        if (contiguous && t.storage.dtype === "F32" && dest instanceof Float32Array) {
          access.read_into(t.storage, new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength), t.offset * item);
        } else if (contiguous) {
          decode_into(access.read(t.storage, t.offset * item, n * item), t.storage.dtype, dest, name);
        } else {
          const all = alloc_decoded(dest instanceof Float32Array ? "float32" : "int32", t.storage.numel, name);
          decode_into(access.read(t.storage, 0, t.storage.numel * item), t.storage.dtype, all, `${source}: storage '${t.storage.key}' (used by '${key}')`);
          gather(all, t, n, dest);
        }
      },
    });
  }
  return out;
}

/** Largest data.pkl accepted (a state dict's pickle is kilobytes; the tensors live in other entries). */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

function zipReader(src: ByteSource): WeightsReader {
  const source = src.name;
  const dir = read_zip_directory(src);
  const pkls = [...dir.keys()].filter((n) => n === "data.pkl" || (n.endsWith("/data.pkl") && n.split("/").length === 2));
  if (pkls.length !== 1) {
    throw new FileFormatError(`${source}: expected one '<folder>/data.pkl' in the zip, found ${pkls.length ? pkls.join(", ") : "none"} (is this a torch.save file?)`, source);
  }
  const prefix = pkls[0].slice(0, -"data.pkl".length);
  const orderEntry = dir.get(`${prefix}byteorder`);
  if (orderEntry) {
    const order = Buffer.from(read_zip_entry(src, orderEntry, 64)).toString("latin1");
    if (order.trim() !== "little") throw new FileFormatError(`${source}: byteorder '${order}' is not supported; expected little-endian storages`, source);
  }
  const pickle = read_zip_entry(src, dir.get(pkls[0])!, MAX_PICKLE_BYTES);
  const obj = loadPickle(pickle, { globals: TORCH_GLOBALS, allowed_description: ALLOWED, source: `${source}:${pkls[0]}`, persistent_load: (pid) => storageFromPid(pid, source, false) });
  const entryOf = (s: StorageRef): ZipEntry => {
    const e = dir.get(`${prefix}data/${s.key}`);
    if (!e) throw new FileFormatError(`${source}: storage '${s.key}' is missing from the zip (expected ${prefix}data/${s.key})`, source);
    return e;
  };
  const starts = new Map<ZipEntry, number>();
  const dataStart = (e: ZipEntry): number => {
    if (!starts.has(e)) starts.set(e, zip_data_offset(src, e));
    return starts.get(e)!;
  };
  const access: StorageAccess = {
    check(s, bytes) {
      const e = entryOf(s);
      if (e.size < bytes) throw new FileFormatError(`${source}: storage '${s.key}' has ${e.size} bytes, expected ${bytes} (truncated file?)`, source);
      if (e.method !== 0 && e.size > bytes) throw new FileFormatError(`${source}: storage '${s.key}' declares ${e.size} bytes but its tensors declare ${bytes}; refusing to inflate more than the pickle declares`, source);
    },
    // Deflated storages (torch never writes them, other zip tools may) inflate at most to the declared size.
    read(s, offset, length) {
      const e = entryOf(s);
      if (e.method === 0) return src.read(dataStart(e) + offset, length);
      return read_zip_entry(src, e, e.size).subarray(offset, offset + length);
    },
    read_into(s, dest, offset) {
      const e = entryOf(s);
      if (e.method === 0) src.read_into(dest, dataStart(e) + offset);
      else dest.set(this.read(s, offset, dest.byteLength));
    },
  };
  return { source, tensors: lazyTensors(obj, access, source), metadata: {}, close: () => src.close() };
}

const MAGIC = 0x1950a86a20f9469cfc6cn;

/** The pre-1.6 format: magic, protocol, sys_info, the state dict, the storage keys, then the storages. */
function legacyReader(buf: Uint8Array, source: string): WeightsReader {
  const plain = { globals: {}, source };
  let at = loadPickleAt(buf, 0, plain);
  if (at.value !== MAGIC) throw new FileFormatError(`${source}: not a PyTorch file (a pickle without torch.save's magic number)`, source);
  at = loadPickleAt(buf, at.end, plain);
  if (at.value !== 1001) throw new FileFormatError(`${source}: legacy torch.save protocol ${String(at.value)} is not supported; expected 1001`, source);
  at = loadPickleAt(buf, at.end, plain);
  const sysInfo = at.value;
  if (sysInfo instanceof PyDict && sysInfo.get("little_endian") === false) throw new FileFormatError(`${source}: saved on a big-endian machine; not supported`, source);
  const storages = new Map<string, StorageRef>();
  at = loadPickleAt(buf, at.end, {
    globals: TORCH_GLOBALS,
    allowed_description: ALLOWED,
    source,
    persistent_load: (pid) => {
      const s = storageFromPid(pid, source, true);
      storages.set(s.key, s);
      return s;
    },
  });
  const obj = at.value;
  at = loadPickleAt(buf, at.end, plain);
  const keys = at.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw new FileFormatError(`${source}: malformed storage key list after the state dict`, source);
  const bytes = new Map<string, Uint8Array>();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = at.end;
  for (const key of keys as string[]) {
    const s = storages.get(key);
    if (!s) throw new FileFormatError(`${source}: storage '${key}' is listed but no tensor uses it`, source);
    if (pos + 8 > buf.byteLength) throw new FileFormatError(`${source}: file ends before storage '${key}' (truncated file?)`, source);
    const count = view.getBigInt64(pos, true);
    pos += 8;
    const len = Number(count) * ITEM_SIZE[s.dtype];
    if (count < 0n || pos + len > buf.byteLength) throw new FileFormatError(`${source}: storage '${key}' needs ${len} bytes but the file ends after ${buf.byteLength - pos} (truncated file?)`, source);
    bytes.set(key, buf.subarray(pos, pos + len));
    pos += len;
  }
  const bytesOf = (s: StorageRef): Uint8Array => {
    const b = bytes.get(s.key);
    if (!b) throw new FileFormatError(`${source}: storage '${s.key}' has no data in the file`, source);
    return b;
  };
  const access: StorageAccess = {
    check(s, need) {
      if (bytesOf(s).byteLength < need) throw new FileFormatError(`${source}: storage '${s.key}' has ${bytesOf(s).byteLength} bytes, expected ${need} (truncated file?)`, source);
    },
    read: (s, offset, length) => bytesOf(s).subarray(offset, offset + length),
    read_into: (s, dest, offset) => dest.set(bytesOf(s).subarray(offset, offset + dest.byteLength)),
  };
  return { source, tensors: lazyTensors(obj, access, source), metadata: {}, close() {} };
}

type Format = "zip" | "legacy";

/** Which torch.save format `head` (the first 262+ bytes) starts, or an error naming what it is not. */
function detect(head: Uint8Array, size: number, source: string): Format {
  if (size >= 4 && head[0] === 0x50 && head[1] === 0x4b) return "zip";
  if (head.byteLength >= 262 && Buffer.from(head.subarray(257, 262)).toString("latin1") === "ustar") {
    throw new FileFormatError(`${source}: this is the tar-based torch.save format of PyTorch < 0.4, which is not supported; re-save it with a recent torch.save or convert it to safetensors`, source);
  }
  if (size >= 2 && head[0] === 0x80) return "legacy";
  throw new FileFormatError(`${source}: not a PyTorch checkpoint (expected a zip archive from torch.save, found ${size} bytes starting ${Buffer.from(head.subarray(0, 8)).toString("hex")})`, source);
}

/** The state dict of a torch.save source (zip or legacy), tensor by tensor. */
function torchBinReader(src: ByteSource): WeightsReader {
  const head = src.read(0, Math.min(src.size, 263));
  return detect(head, src.size, src.name) === "zip" ? zipReader(src) : legacyReader(src.read(0, src.size), src.name);
}

/** Opens pytorch_model.bin for reading tensor by tensor: only entries the pickle references are ever read. */
export function open_torch_bin(file: string): WeightsReader {
  const src = file_source(file, "PyTorch checkpoint");
  try {
    if (src.size > 0 && detect(src.read(0, Math.min(src.size, 263)), src.size, file) === "legacy") {
      src.close(); // the legacy format is one pickle stream: read whole (its size is the file's)
      return legacyReader(read_regular_file(file, { max_bytes: Number.MAX_SAFE_INTEGER, what: "PyTorch checkpoint" }), file);
    }
    return torchBinReader(src);
  } catch (e) {
    src.close();
    throw e;
  }
}

/** Parses the bytes of a torch.save'd state dict (zip or legacy). */
export function parseTorchBin(buf: Uint8Array, source = "pytorch_model.bin"): Map<string, TensorData> {
  return read_all(torchBinReader(buffer_source(buf, source)));
}

/** Reads pytorch_model.bin into name → TensorData (tied weights such as the decoder appear as their own keys). */
export function readTorchBin(file: string): Map<string, TensorData> {
  return with_reader(open_torch_bin(file), read_all);
}
