import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { zipSync, unzipSync } from "fflate";
import { readTorchBin, parseTorchBin, readSafetensors, loadPickle, type TensorData } from "../src/hub";
import { TORCH_GLOBALS } from "../src/hub/torch_bin";

const FIX = path.join(__dirname, "fixtures", "hub");
const GOLDEN = "/work/shared/golden/models";

/** Every safetensors tensor is in the .bin with the same shape and bit-identical values. */
function assertSameAsSafetensors(bin: Map<string, TensorData>, st: Map<string, TensorData>, where: string) {
  for (const [name, want] of st) {
    const got = bin.get(name);
    assert.ok(got, `${where}: ${name} missing from pytorch_model.bin`);
    assert.equal(got.dtype, want.dtype, `${where}: ${name} dtype`);
    assert.deepEqual(got.shape, want.shape, `${where}: ${name} shape`);
    assert.deepEqual(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength), Buffer.from(want.data.buffer, want.data.byteOffset, want.data.byteLength), `${where}: ${name} values`);
  }
}

test("bert_model fixture: the .bin equals model.safetensors exactly (39 tensors)", () => {
  const bin = readTorchBin(path.join(FIX, "bert_model", "pytorch_model.bin"));
  const st = readSafetensors(path.join(FIX, "bert_model", "model.safetensors")).tensors;
  assert.equal(bin.size, 39);
  assert.equal(st.size, 39);
  assertSameAsSafetensors(bin, st, "bert_model");
  const w = bin.get("embeddings.word_embeddings.weight")!; // BertModel keys have no "bert." prefix
  assert.deepEqual(w.shape, [1000, 32]);
  assert.equal(w.data.length, 32000);
});

test("pretraining fixture: the .bin also has the tied decoder weight and bias, equal to what they tie to", () => {
  const bin = readTorchBin(path.join(FIX, "pretraining", "pytorch_model.bin"));
  const st = readSafetensors(path.join(FIX, "pretraining", "model.safetensors")).tensors;
  assert.equal(bin.size, 48);
  assert.equal(st.size, 46);
  assertSameAsSafetensors(bin, st, "pretraining");
  assert.deepEqual([...bin.keys()].filter((k) => !st.has(k)).sort(), ["cls.predictions.decoder.bias", "cls.predictions.decoder.weight"]);
  const dec = bin.get("cls.predictions.decoder.weight")!;
  assert.deepEqual(dec.shape, [1000, 32]);
  assert.deepEqual(dec.data, st.get("bert.embeddings.word_embeddings.weight")!.data);
  assert.deepEqual(bin.get("cls.predictions.decoder.bias")!.data, st.get("cls.predictions.bias")!.data);
  // Tied tensors come back as separate arrays: writing one does not change the other.
  assert.notEqual(dec.data.buffer, bin.get("bert.embeddings.word_embeddings.weight")!.data.buffer);
});

test("every golden pytorch_model.bin equals its model.safetensors", (t) => {
  if (!fs.existsSync(GOLDEN)) return t.skip(`${GOLDEN} not present`);
  let checked = 0;
  for (const c of fs.readdirSync(GOLDEN)) {
    const bin = path.join(GOLDEN, c, "pytorch_model.bin");
    if (!fs.existsSync(bin)) continue;
    assertSameAsSafetensors(readTorchBin(bin), readSafetensors(path.join(GOLDEN, c, "model.safetensors")).tensors, c);
    checked++;
  }
  assert.equal(checked, 18);
});

const expected: Record<string, { dtype: string; shape: number[]; values?: number[]; float32_bits?: number[] }> = JSON.parse(
  fs.readFileSync(path.join(FIX, "synthetic_expected.json"), "utf8"),
);

for (const [file, what] of [
  ["synthetic_p2.bin", "protocol 2, top folder 'my_model'"],
  ["synthetic_p4.bin", "protocol 4 (STACK_GLOBAL, MEMOIZE, FRAME)"],
  ["synthetic_p5.bin", "protocol 5"],
  ["synthetic_legacy.bin", "legacy pre-1.6 stream format"],
]) {
  test(`synthetic ${file} (${what}): views, strides, shared storage, f16/bf16/f64/int64/int32/uint8, parameters`, () => {
    const sd = readTorchBin(path.join(FIX, file));
    assert.deepEqual([...sd.keys()], Object.keys(expected));
    for (const [name, want] of Object.entries(expected)) {
      const got = sd.get(name)!;
      assert.equal(got.dtype, want.dtype, name);
      assert.deepEqual(got.shape, want.shape, name);
      if (want.values) assert.deepEqual([...got.data], want.values, name);
      else assert.deepEqual([...new Uint32Array(got.data.buffer, got.data.byteOffset, got.data.length)], want.float32_bits, name);
    }
    // spot-check the transposed view by hand: storage is 0.25, 1.25, ..., 11.25 viewed as [4,3] with strides (1,4)
    assert.deepEqual([...sd.get("w.transposed")!.data.slice(0, 4)], [0.25, 4.25, 8.25, 1.25]);
    assert.deepEqual([...sd.get("long.position_ids")!.data], [0, -5, 2147483647, -2147483648, 7, 101]);
  });
}

// Hand-written malicious pickles: each must be refused by name, and the command must never run.
function evilProtocol2(module: string, name: string, cmd: string): Uint8Array {
  const c = Buffer.from(cmd, "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(c.length);
  return Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from(`c${module}\n${name}\n`, "latin1"), Buffer.from([0x58]), len, c, Buffer.from([0x85, 0x52, 0x2e])]);
}
function evilProtocol4(module: string, name: string, arg: string): Uint8Array {
  const s = (x: string) => Buffer.concat([Buffer.from([0x8c, Buffer.byteLength(x)]), Buffer.from(x)]);
  return Buffer.concat([Buffer.from([0x80, 0x04]), s(module), s(name), Buffer.from([0x93]), s(arg), Buffer.from([0x85, 0x52, 0x2e])]);
}

test("malicious pickles are refused, naming the global, and nothing runs", () => {
  const marker = path.join(os.tmpdir(), `bertlab-pwned-${process.pid}`);
  fs.rmSync(marker, { force: true });
  const opts = { globals: TORCH_GLOBALS, source: "evil.pkl" };
  assert.throws(() => loadPickle(evilProtocol2("os", "system", `touch ${marker}`), opts), /refusing to load global 'os\.system'/);
  assert.throws(() => loadPickle(evilProtocol2("posix", "system", `touch ${marker}`), opts), /'posix\.system'/);
  assert.throws(() => loadPickle(evilProtocol4("builtins", "eval", `__import__('os').system('touch ${marker}')`), opts), /refusing to load global 'builtins\.eval'/);
  assert.throws(() => loadPickle(evilProtocol2("subprocess", "Popen", "id"), opts), /'subprocess\.Popen'/);
  // An allowed marker is still not callable.
  assert.throws(() => loadPickle(evilProtocol2("torch", "FloatStorage", "x"), opts), /refusing REDUCE of 'torch\.FloatStorage'/);
  // INST (protocol 0/1 instance creation) names the class too.
  assert.throws(() => loadPickle(Buffer.from(`(ios\nsystem\nX\x02\x00\x00\x00id.`, "latin1"), opts), /refusing INST of 'os\.system'/);
  assert.equal(fs.existsSync(marker), false);
});

test("a malicious data.pkl inside a torch zip is refused by readTorchBin", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-hub-"));
  const file = path.join(dir, "pytorch_model.bin");
  fs.writeFileSync(file, zipSync({ "archive/data.pkl": evilProtocol4("builtins", "eval", "1+1"), "archive/version": Buffer.from("3\n") }, { level: 0 }));
  assert.throws(() => readTorchBin(file), (e: Error) => e.message.includes(file) && /refusing to load global 'builtins\.eval'/.test(e.message));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("truncated and non-torch files give clear errors", () => {
  const bytes = fs.readFileSync(path.join(FIX, "bert_model", "pytorch_model.bin"));
  assert.throws(() => parseTorchBin(bytes.subarray(0, 100_000), "cut.bin"), /cut\.bin: not a readable zip archive .*truncated or corrupted/);
  assert.throws(() => parseTorchBin(bytes.subarray(0, 10), "tiny.bin"), /tiny\.bin: not a readable zip archive/);
  assert.throws(() => parseTorchBin(Buffer.from("{\"not\": \"torch\"}"), "x.json"), /x\.json: not a PyTorch checkpoint/);
  const legacy = fs.readFileSync(path.join(FIX, "synthetic_legacy.bin"));
  assert.throws(() => parseTorchBin(legacy.subarray(0, legacy.length - 10), "legacy.bin"), /legacy\.bin: storage '\d+' needs \d+ bytes but the file ends/);
  const tar = Buffer.alloc(1024);
  tar.write("ustar", 257, "latin1");
  assert.throws(() => parseTorchBin(tar, "old.tar"), /tar-based torch\.save format of PyTorch < 0\.4/);
  assert.throws(() => readTorchBin(path.join(FIX, "nope.bin")), /PyTorch checkpoint not found: .*nope\.bin/);
});

test("a zip without data.pkl, or with a missing storage, says what is missing", () => {
  assert.throws(() => parseTorchBin(zipSync({ "a/b.txt": Buffer.from("x") }, { level: 0 }), "z.bin"), /expected one '<folder>\/data\.pkl' in the zip, found none/);
  const zip = fs.readFileSync(path.join(FIX, "synthetic_p4.bin"));
  const files = unzipSync(zip);
  delete files["archive/data/1"];
  assert.throws(() => parseTorchBin(zipSync(files, { level: 0 }), "m.bin"), /storage '1' is missing from the zip \(expected archive\/data\/1\)/);
});

test("a view reaching past its storage, and a training checkpoint instead of a state dict, are refused clearly", () => {
  assert.throws(() => readTorchBin(path.join(FIX, "bad_view.bin")), /bad_view\.bin: 'too\.long': view \(offset 1, size \[3\], stride \[1\]\) reaches element 3, past the storage's 3/);
  assert.throws(() => readTorchBin(path.join(FIX, "training_checkpoint.bin")), /'model' is a nested dict \(keys: w\), expected a tensor; pass the model's state dict/);
});

test("property: corrupted pickles never crash the reader with an unnamed error, nor hang", async () => {
  const fc = await import("fast-check");
  const pkl = unzipSync(fs.readFileSync(path.join(FIX, "synthetic_p4.bin")))["archive/data.pkl"];
  const opts = { globals: TORCH_GLOBALS, source: "fuzz.pkl", persistent_load: (pid: unknown) => pid };
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(pkl.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat(pkl.length),
      (edits, cut) => {
        const bytes = Uint8Array.from(pkl.subarray(0, Math.max(1, cut)));
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        try {
          loadPickle(bytes, opts);
        } catch (e) {
          assert.ok(e instanceof Error);
          assert.match(e.message, /^fuzz\.pkl: /, e.message);
        }
      },
    ),
    { numRuns: 4000, seed: 1234 },
  );
});

test("property: corrupted torch zips either load or fail with an error naming the file", async () => {
  const fc = await import("fast-check");
  const zip = fs.readFileSync(path.join(FIX, "synthetic_p2.bin"));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(zip.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
      const bytes = Uint8Array.from(zip);
      for (const [at, v] of edits) bytes[at] = v;
      try {
        const sd = parseTorchBin(bytes, "fuzz.bin");
        for (const t of sd.values()) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
      } catch (e) {
        assert.ok(e instanceof Error);
        assert.match(e.message, /^fuzz\.bin[:\s]/, e.message);
      }
    }),
    { numRuns: 3000, seed: 99 },
  );
});
