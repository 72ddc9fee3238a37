// Bounded readers (issue 12, items 5, 6, 8): only regular files are read (a symlink into the HF cache
// works; /dev/zero, a FIFO, a directory are refused by name, without hanging or growing memory);
// zip entries inflate only when the pickle references them and never past the declared size;
// safetensors headers are validated at least as strictly as huggingface/safetensors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { unzipSync } from "fflate";
import { parseSafetensors, parseTorchBin, readSafetensors, readTorchBin, serializeSafetensors } from "../src/hub";
import { FileFormatError, is_raw_js_error } from "../src/utils/read_file";
import { write_zip, zero_bomb } from "./fixtures/hub/zip_writer";

const FIX = path.join(__dirname, "fixtures", "hub");
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-readers-"));

/** Runs `code` (TypeScript, cwd = repo root) in a child with a deadline; returns its stdout lines. */
function child(code: string, timeout = 60_000): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: path.join(__dirname, ".."), timeout, encoding: "utf8" });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test("a symlink to a regular file (the Hugging Face cache layout) is read as the file", () => {
  const dir = tmp();
  const blob = path.join(dir, "blobs", "abc123");
  fs.mkdirSync(path.dirname(blob));
  fs.copyFileSync(path.join(FIX, "bert_model", "model.safetensors"), blob);
  fs.copyFileSync(path.join(FIX, "bert_model", "pytorch_model.bin"), blob + ".bin");
  const snap = path.join(dir, "snapshots", "main");
  fs.mkdirSync(snap, { recursive: true });
  fs.symlinkSync(path.relative(snap, blob), path.join(snap, "model.safetensors"));
  fs.symlinkSync(blob + ".bin", path.join(snap, "pytorch_model.bin"));
  assert.equal(readSafetensors(path.join(snap, "model.safetensors")).tensors.size, 39);
  assert.equal(readTorchBin(path.join(snap, "pytorch_model.bin")).size, 39);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("devices, FIFOs and directories behind model files are refused by name, in bounded time and memory", (t) => {
  const dir = tmp();
  const links: Record<string, string> = { zero: "/dev/zero", dirlink: os.tmpdir() };
  for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(dir, name));
  try {
    execFileSync("mkfifo", [path.join(dir, "fifo")]);
  } catch {
    t.diagnostic("mkfifo not available: the FIFO case is skipped");
  }
  const targets = fs.readdirSync(dir).map((f) => path.join(dir, f));
  // In a child: on a reader that trusts the path, /dev/zero grows memory without end and a FIFO blocks
  // forever; the deadline turns that into a failure instead of a hung test run.
  const r = child(`
    const hub = require("./src/hub");
    const { load_vocab } = require("./src/tokenizers/vocab");
    const { BertConfig } = require("./src/models/bert/configuration_bert");
    const { read_notebook } = require("./kernel/notebook");
    const readers = {
      safetensors: (f) => hub.readSafetensors(f),
      torch_bin: (f) => hub.readTorchBin(f),
      vocab: (f) => load_vocab(f),
      config: (f) => BertConfig.from_json_file(f),
      shard_index: (f) => hub.read_shard_index(f),
      notebook: (f) => read_notebook(f),
    };
    const out = [];
    for (const f of ${JSON.stringify(targets)}) for (const [k, read] of Object.entries(readers)) {
      try { read(f); out.push({ f, k, ok: true }); } catch (e) { out.push({ f, k, name: e.name, msg: e.message }); }
    }
    const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
    console.log(JSON.stringify({ out, hwm }));
  `);
  assert.equal(r.status, 0, `the child did not finish (status ${r.status}): ${r.err.slice(-500)}`);
  const { out, hwm } = JSON.parse(r.out.trim().split("\n").pop()!);
  assert.ok(out.length >= 12);
  for (const o of out) {
    assert.ok(!o.ok, `${o.k} read ${o.f}`);
    assert.ok(o.msg.includes(o.f), `${o.k}: the error names the path: ${o.msg}`);
    assert.match(o.msg, /character device|FIFO|directory/, `${o.k}: ${o.msg}`);
    assert.match(o.msg, /regular file/, `${o.k}: ${o.msg}`);
  }
  assert.ok(hwm < 600, `peak RSS ${hwm.toFixed(0)} MB`);
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---- pytorch_model.bin: zip entries -----------------------------------------------------------

const p4 = unzipSync(fs.readFileSync(path.join(FIX, "synthetic_p4.bin")));
const p4entries = () => Object.entries(p4).map(([name, data]) => ({ name, data }));

test("zip entries the pickle does not reference are never inflated (a 128 MiB deflate bomb beside the weights)", () => {
  const dir = tmp();
  const file = path.join(dir, "pytorch_model.bin");
  const bomb = zero_bomb(128);
  fs.writeFileSync(file, write_zip([...p4entries(), { name: "archive/data/999", data: bomb, method: 8, size: 128 << 20 }]));
  assert.ok(fs.statSync(file).size < 1 << 20);
  const r = child(`
    const hub = require("./src/hub");
    const status = (k) => Number(new RegExp(k + ":\\\\s+(\\\\d+)").exec(require("fs").readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
    const base = status("VmHWM");
    const sd = hub.readTorchBin(${JSON.stringify(file)});
    console.log(JSON.stringify({ n: sd.size, hwm: status("VmHWM"), base }));
  `);
  assert.equal(r.status, 0, r.err.slice(-500));
  const { n, hwm, base } = JSON.parse(r.out.trim().split("\n").pop()!);
  assert.equal(n, Object.keys(JSON.parse(fs.readFileSync(path.join(FIX, "synthetic_expected.json"), "utf8"))).length);
  assert.ok(hwm < base + 64, `peak RSS ${hwm.toFixed(0)} MB vs ${base.toFixed(0)} MB before the load: the bomb was inflated`);
  // An unreferenced entry that is not even valid deflate does not matter either.
  const junk = write_zip([...p4entries(), { name: "archive/data/998", data: Buffer.from("not deflate at all"), method: 8, size: 4_000_000_000 }]);
  assert.equal(parseTorchBin(junk, "junk.bin").size, n);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a referenced storage inflates at most to the size the pickle declares", () => {
  const entries = p4entries();
  const i = entries.findIndex((e) => e.name === "archive/data/0");
  const real = entries[i].data;
  // deflated, declaring its true size: read exactly as the stored one
  const ok = entries.slice();
  ok[i] = { name: "archive/data/0", data: require("zlib").deflateRawSync(real), method: 8, size: real.byteLength } as never;
  assert.deepEqual(parseTorchBin(write_zip(ok), "ok.bin"), parseTorchBin(write_zip(entries), "stored.bin"));
  // declaring its true size but inflating to 64 MiB
  const liar = entries.slice();
  liar[i] = { name: "archive/data/0", data: zero_bomb(64), method: 8, size: real.byteLength } as never;
  assert.throws(() => parseTorchBin(write_zip(liar), "liar.bin"), (e: Error) => e instanceof FileFormatError && /liar\.bin: zip entry 'archive\/data\/0' inflates past its declared \d+ bytes/.test(e.message));
  // declaring 64 MiB for a storage the pickle says is small
  const big = entries.slice();
  big[i] = { name: "archive/data/0", data: zero_bomb(64), method: 8, size: 64 << 20 } as never;
  assert.throws(() => parseTorchBin(write_zip(big), "big.bin"), /big\.bin: storage '0' declares 67108864 bytes but its tensors declare \d+; refusing to inflate more/);
});

// ---- safetensors: validation as strict as the reference -----------------------------------------

/** A safetensors file from a header (object or raw JSON text) and a data section. */
function st(header: unknown, data: Uint8Array | number): Buffer {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, typeof data === "number" ? Buffer.alloc(data) : Buffer.from(data)]);
}

const F = (shape: unknown, offsets: unknown, dtype: unknown = "F32") => ({ dtype, shape, data_offsets: offsets });

test("safetensors: each violation of the format is refused with an error naming the file and tensor", () => {
  const cases: [string, Buffer, RegExp][] = [
    ["negative begin offset (reads header bytes as data)", st({ a: F([2], [-8, 0]) }, 0), /'a': data_offsets \[-8,0\] must be \[begin, end\], two non-negative integers/],
    ["fractional shape", st({ a: F([1.5], [0, 4]) }, 4), /'a': shape \[1\.5\] must be a list of non-negative integers/],
    ["negative shape", st({ a: F([-1, -4], [0, 16]) }, 16), /'a': shape \[-1,-4\] must be a list of non-negative integers/],
    ["overlapping tensors", st({ a: F([2], [0, 8]), b: F([2], [4, 12]) }, 12), /'b' data_offsets \[4, 12\] overlaps the tensor before it/],
    ["the same bytes for two tensors", st({ a: F([2], [0, 8]), b: F([2], [0, 8]) }, 8), /data_offsets \[0, 8\] overlaps the tensor before it/],
    ["a gap between tensors", st({ a: F([2], [0, 8]), b: F([2], [12, 20]) }, 20), /'b' data_offsets \[12, 20\] leaves a gap \(expected it to start at 8\)/],
    ["end before begin", st({ a: F([0], [8, 0]) }, 8), /'a' data_offsets \[8, 0\]/],
    ["bytes not matching shape × dtype", st({ a: F([3], [0, 8]) }, 8), /'a' has 8 bytes for shape \[3\] of F32; expected 12/],
    ["trailing bytes after the last tensor", st({ a: F([2], [0, 8]) }, 12), /the tensors cover 8 bytes of data but the file holds 12 after the header \(trailing bytes\?\)/],
    ["data past the end of the file", st({ a: F([4], [0, 16]) }, 8), /cover 16 bytes of data but the file holds 8 .*truncated/],
    ["a null entry", st({ a: null }, 0), /tensor 'a': header entry is null; expected \{ "dtype", "shape", "data_offsets" \}/],
    ["missing data_offsets", st({ a: { dtype: "F32", shape: [1] } }, 4), /'a': data_offsets undefined must be \[begin, end\]/],
    ["unknown dtype", st({ a: F([1], [0, 4], "F33") }, 4), /'a': dtype "F33" is not a safetensors dtype/],
    ["three offsets", st({ a: F([1], [0, 4, 8]) }, 4), /data_offsets \[0,4,8\] must be \[begin, end\]/],
    ["a repeated key", st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4), /the header names 'a' more than once/],
    ["__metadata__ with a non-string value", st({ __metadata__: { format: 1 }, a: F([1], [0, 4]) }, 4), /__metadata__ must map strings to strings/],
    ["a list header", st("[1,2]", 0), /header is a list; expected a JSON object of tensors/],
    ["header length past the 100 MB limit", Buffer.concat([Buffer.from([1, 0xe1, 0xf5, 0x05, 0, 0, 0, 0]), Buffer.alloc(16)]), /header length 100000001 exceeds the 100000000-byte limit/],
    ["header length 2^64 - 1", Buffer.from([255, 255, 255, 255, 255, 255, 255, 255]), /exceeds the 100000000-byte limit/],
    ["shape overflow", st({ a: F([2 ** 30, 2 ** 30, 2 ** 30], [0, 4]) }, 4), /'a' shape \[.*\] overflows/],
    ["invalid UTF-8 header", Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]), /header is not valid UTF-8/],
  ];
  for (const [what, bytes, re] of cases) {
    assert.throws(() => parseSafetensors(bytes, "bad.safetensors"), (e: Error) => {
      assert.ok(e instanceof FileFormatError, `${what}: ${e.name}: ${e.message}`);
      assert.ok(!is_raw_js_error(e), what);
      assert.match(e.message, /^bad\.safetensors: /, what);
      assert.match(e.message, re, what);
      return true;
    }, what);
  }
});

test("safetensors: what the reference accepts still loads (any key order, zero-size tensors, null metadata, extra fields)", () => {
  const data = new Float32Array([1, 2, 3, 4]);
  const out = parseSafetensors(st({ b: F([1, 2], [8, 16]), z: F([0, 3], [8, 8]), __metadata__: null, a: { ...F([2], [0, 8]), extra: true } }, new Uint8Array(data.buffer)), "ok");
  assert.deepEqual([...out.tensors.get("a")!.data], [1, 2]);
  assert.deepEqual([...out.tensors.get("b")!.data], [3, 4]);
  assert.deepEqual(out.tensors.get("z")!.shape, [0, 3]);
  // Our own writer's files (sorted keys, padded header) round-trip.
  const t = { w: { dtype: "float32" as const, shape: [2, 2], data: new Float32Array([1, -2, 3.5, 4]) } };
  assert.deepEqual([...parseSafetensors(Buffer.concat(serializeSafetensors(t)), "own").tensors.get("w")!.data], [1, -2, 3.5, 4]);
});
