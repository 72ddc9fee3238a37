// Reading PyTorch checkpoints (pytorch_model.bin) without Python or torch.
// torch.save (>= 1.6) writes a zip: `<top>/data.pkl` (the pickled state dict, whose tensors point at
// storages by persistent id) and `<top>/data/<key>` (each storage's raw little-endian bytes); <top>
// is usually "archive" but is the file's stem in older writers. The legacy format (torch < 1.6) is a
// stream of pickles followed by the storages. Tensors become TensorData: float → float32,
// integers → int32. Only the globals a state dict needs are allowed (see TORCH_GLOBALS).
import * as fs from "fs";
import { unzipSync } from "fflate";
import { GlobalRef, loadPickle, loadPickleAt, PyDict, type AllowedGlobal } from "./pickle";
import { decodeTensorBytes, type StoredDtype, type TensorData } from "./safetensors";

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
const ITEM_SIZE: Record<StoredDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

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

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) {
    throw new Error(`${what}: expected a tuple of non-negative ints, got ${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x))}`);
  }
  return v as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!storage || (storage as StorageRef).kind !== "storage") throw new Error("_rebuild_tensor_v2: first argument is not a storage");
  if (typeof offset !== "number") throw new Error(`_rebuild_tensor_v2: storage offset ${String(offset)} is not an int`);
  const s = intList(size, "_rebuild_tensor_v2 size");
  const st = intList(stride, "_rebuild_tensor_v2 stride");
  if (s.length !== st.length) throw new Error(`_rebuild_tensor_v2: size [${s}] and stride [${st}] differ in rank`);
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
        if (!args[0] || (args[0] as TensorRef).kind !== "tensor") throw new Error("_rebuild_parameter: first argument is not a tensor");
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
  if (!dtype) throw new Error(`${source}: persistent id names storage type ${cls instanceof GlobalRef ? cls.fullName : String(cls)}, expected one of torch.${Object.keys(STORAGE_DTYPES).join(", torch.")}`);
  return dtype;
}

function storageFromPid(pid: unknown, source: string, legacy: boolean): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== "storage") {
    const tag = Array.isArray(pid) ? String(pid[0]) : typeof pid;
    throw new Error(`${source}: refusing persistent id '${tag}': only tensor storages are allowed`);
  }
  const [, cls, key, , numel, view] = pid;
  if (legacy && view != null) throw new Error(`${source}: storage views (legacy view_metadata) are not supported; re-save with a recent torch.save`);
  if (typeof key !== "string" || typeof numel !== "number") throw new Error(`${source}: malformed storage persistent id`);
  return { kind: "storage", key, dtype: storageDtype(cls, source), numel };
}

/** Checks that the view stays inside its storage; returns its element count and whether it is contiguous. */
function checkView(t: TensorRef, name: string): { n: number; contiguous: boolean } {
  const n = t.size.reduce((a, b) => a * b, 1);
  if (n === 0) return { n, contiguous: true };
  let last = t.offset;
  for (let d = 0; d < t.size.length; d++) last += (t.size[d] - 1) * t.stride[d];
  if (t.offset < 0 || last >= t.storage.numel) {
    throw new Error(`${name}: view (offset ${t.offset}, size [${t.size}], stride [${t.stride}]) reaches element ${last}, past the storage's ${t.storage.numel}`);
  }
  if (n > 2 ** 31 - 1) throw new Error(`${name}: size [${t.size}] has ${n} elements, more than a typed array holds`);
  let contiguous = true;
  for (let d = t.size.length - 1, expect = 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== expect) contiguous = false;
    expect *= t.size[d];
  }
  return { n, contiguous };
}

/** Copies a strided (non-contiguous) view of a decoded storage into a new contiguous array. */
function gather(storage: Float32Array | Int32Array, t: TensorRef, n: number): Float32Array | Int32Array {
  const out = storage instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
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
  return out;
}

/**
 * Turns the unpickled object (a dict of tensor views) into TensorData. Contiguous views (the usual
 * case) decode straight from their bytes; strided ones decode their storage once and gather.
 */
function materialize(obj: unknown, bytesOf: (s: StorageRef) => Uint8Array, source: string): Map<string, TensorData> {
  if (!(obj instanceof PyDict)) throw new Error(`${source}: expected a state dict (a dict of tensors) at the top level, got ${Array.isArray(obj) ? "a list/tuple" : typeof obj}`);
  const decoded = new Map<string, Float32Array | Int32Array>();
  const out = new Map<string, TensorData>();
  for (const [key, value] of obj) {
    if (typeof key !== "string") throw new Error(`${source}: state dict key ${String(key)} is not a string`);
    if (!value || (value as TensorRef).kind !== "tensor") {
      const what = value instanceof PyDict ? `a nested dict (keys: ${[...value.keys()].slice(0, 5).join(", ")})` : typeof value;
      throw new Error(`${source}: '${key}' is ${what}, expected a tensor; pass the model's state dict, not a training checkpoint`);
    }
    const t = value as TensorRef;
    const name = `${source}: '${key}'`;
    const { n, contiguous } = checkView(t, name);
    const item = ITEM_SIZE[t.storage.dtype];
    const bytes = bytesOf(t.storage);
    if (bytes.byteLength < t.storage.numel * item) {
      throw new Error(`${source}: storage '${t.storage.key}' has ${bytes.byteLength} bytes, expected ${t.storage.numel * item} (truncated file?)`);
    }
    if (contiguous) {
      out.set(key, decodeTensorBytes(bytes.subarray(t.offset * item, (t.offset + n) * item), t.storage.dtype, [...t.size], name));
      continue;
    }
    let storage = decoded.get(t.storage.key);
    if (!storage) {
      storage = decodeTensorBytes(bytes.subarray(0, t.storage.numel * item), t.storage.dtype, [t.storage.numel], `${source}: storage '${t.storage.key}' (used by '${key}')`).data;
      decoded.set(t.storage.key, storage);
    }
    out.set(key, { dtype: storage instanceof Float32Array ? "float32" : "int32", shape: [...t.size], data: gather(storage, t, n) });
  }
  return out;
}

function readZip(buf: Uint8Array, source: string): Map<string, TensorData> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(buf);
  } catch (e) {
    throw new Error(`${source}: not a readable zip archive (${(e as Error).message}); the file is truncated or corrupted — download it again`);
  }
  const pkls = Object.keys(files).filter((n) => n === "data.pkl" || (n.endsWith("/data.pkl") && n.split("/").length === 2));
  if (pkls.length !== 1) {
    throw new Error(`${source}: expected one '<folder>/data.pkl' in the zip, found ${pkls.length ? pkls.join(", ") : "none"} (is this a torch.save file?)`);
  }
  const prefix = pkls[0].slice(0, -"data.pkl".length);
  const order = files[`${prefix}byteorder`];
  if (order && Buffer.from(order).toString("latin1").trim() !== "little") {
    throw new Error(`${source}: byteorder '${Buffer.from(order).toString("latin1")}' is not supported; expected little-endian storages`);
  }
  const obj = loadPickle(files[pkls[0]], { globals: TORCH_GLOBALS, allowed_description: ALLOWED, source: `${source}:${pkls[0]}`, persistent_load: (pid) => storageFromPid(pid, source, false) });
  return materialize(obj, (s) => {
    const entry = files[`${prefix}data/${s.key}`];
    if (!entry) throw new Error(`${source}: storage '${s.key}' is missing from the zip (expected ${prefix}data/${s.key})`);
    return entry;
  }, source);
}

const MAGIC = 0x1950a86a20f9469cfc6cn;

/** The pre-1.6 format: magic, protocol, sys_info, the state dict, the storage keys, then the storages. */
function readLegacy(buf: Uint8Array, source: string): Map<string, TensorData> {
  const plain = { globals: {}, source };
  let at = loadPickleAt(buf, 0, plain);
  if (at.value !== MAGIC) throw new Error(`${source}: not a PyTorch file (a pickle without torch.save's magic number)`);
  at = loadPickleAt(buf, at.end, plain);
  if (at.value !== 1001) throw new Error(`${source}: legacy torch.save protocol ${String(at.value)} is not supported; expected 1001`);
  at = loadPickleAt(buf, at.end, plain);
  const sysInfo = at.value;
  if (sysInfo instanceof PyDict && sysInfo.get("little_endian") === false) throw new Error(`${source}: saved on a big-endian machine; not supported`);
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
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw new Error(`${source}: malformed storage key list after the state dict`);
  const bytes = new Map<string, Uint8Array>();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = at.end;
  for (const key of keys as string[]) {
    const s = storages.get(key);
    if (!s) throw new Error(`${source}: storage '${key}' is listed but no tensor uses it`);
    if (pos + 8 > buf.byteLength) throw new Error(`${source}: file ends before storage '${key}' (truncated file?)`);
    const numel = Number(view.getBigInt64(pos, true));
    const len = numel * ITEM_SIZE[s.dtype];
    pos += 8;
    if (pos + len > buf.byteLength) throw new Error(`${source}: storage '${key}' needs ${len} bytes but the file ends after ${buf.byteLength - pos} (truncated file?)`);
    bytes.set(key, buf.subarray(pos, pos + len));
    pos += len;
  }
  return materialize(obj, (s) => {
    const b = bytes.get(s.key);
    if (!b) throw new Error(`${source}: storage '${s.key}' has no data in the file`);
    return b;
  }, source);
}

/** Parses the bytes of a torch.save'd state dict (zip or legacy). */
export function parseTorchBin(buf: Uint8Array, source = "pytorch_model.bin"): Map<string, TensorData> {
  if (buf.byteLength >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 0x03 || buf[2] === 0x05)) return readZip(buf, source);
  if (buf.byteLength > 262 && Buffer.from(buf.subarray(257, 262)).toString("latin1") === "ustar") {
    throw new Error(`${source}: this is the tar-based torch.save format of PyTorch < 0.4, which is not supported; re-save it with a recent torch.save or convert it to safetensors`);
  }
  if (buf.byteLength >= 2 && buf[0] === 0x80) return readLegacy(buf, source);
  if (buf.byteLength >= 4 && buf[0] === 0x50 && buf[1] === 0x4b) return readZip(buf, source);
  throw new Error(`${source}: not a PyTorch checkpoint (expected a zip archive from torch.save, found ${buf.byteLength} bytes starting ${Buffer.from(buf.subarray(0, 8)).toString("hex")})`);
}

/** Reads pytorch_model.bin into name → TensorData (tied weights such as the decoder appear as their own keys). */
export function readTorchBin(file: string): Map<string, TensorData> {
  if (!fs.existsSync(file)) throw new Error(`PyTorch checkpoint not found: ${file}`);
  return parseTorchBin(fs.readFileSync(file), file);
}
