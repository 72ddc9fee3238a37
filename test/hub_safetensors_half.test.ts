// F16 / BF16 writing in serializeSafetensors / writeSafetensors, checked against numpy's float16 and
// torch's bfloat16 conversions (test/fixtures/hub/half_oracle.json, made by make_half_oracle.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  floatToBfloat16, floatToHalf, halfToFloat, parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors, type TensorData,
} from "../src/hub/safetensors";

const oracle = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "hub", "half_oracle.json"), "utf8")) as {
  float32_bits: number[];
  f16_bits: number[];
  bf16_bits: number[];
};
const values = Float32Array.from(new Float32Array(Uint32Array.from(oracle.float32_bits).buffer));

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
}

test("floatToHalf / floatToBfloat16 give numpy's and torch's bits (round to nearest even, overflow, subnormals, ±0, ±Inf)", () => {
  assert.equal(values.length, 86);
  for (let i = 0; i < values.length; i++) {
    assert.equal(floatToHalf(values[i]), oracle.f16_bits[i], `f16 of ${values[i]} (index ${i})`);
    assert.equal(floatToBfloat16(values[i]), oracle.bf16_bits[i], `bf16 of ${values[i]} (index ${i})`);
  }
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
});

test("every non-NaN half and bfloat16 value survives decode → encode unchanged", () => {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let h = 0; h < 65536; h++) {
    const x = halfToFloat(h);
    if (!Number.isNaN(x)) assert.equal(floatToHalf(x), h, `half 0x${h.toString(16)}`);
    u[0] = h << 16;
    if (!Number.isNaN(f[0])) assert.equal(floatToBfloat16(f[0]), h, `bf16 0x${h.toString(16)}`);
  }
});

test("serializeSafetensors with float_dtype F16 / BF16: header dtype, half the bytes, values within rounding, int32 kept", () => {
  const n = 1000;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37 + 0.1) * 0.1 * (1 + (i % 7)); // typical weight magnitudes
  const tensors = new Map<string, TensorData>([
    ["w", { dtype: "float32", shape: [10, 100], data }],
    ["ids", { dtype: "int32", shape: [3], data: Int32Array.from([7, -1, 30521]) }],
  ]);
  const f32 = concat(serializeSafetensors(tensors));
  for (const [dtype, rel] of [["F16", 2 ** -11], ["BF16", 2 ** -8]] as const) {
    const bytes = concat(serializeSafetensors(tensors, { format: "pt" }, { float_dtype: dtype }));
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLen)).toString("utf8"));
    assert.equal(header.w.dtype, dtype);
    assert.deepEqual(header.w.data_offsets, [12, 12 + 2 * n]); // keys sorted: "ids" (12 bytes) before "w"
    assert.equal(header.ids.dtype, "I32");
    assert.equal((8 + headerLen) % 8, 0);
    assert.equal(f32.byteLength - bytes.byteLength, 2 * n);
    const back = parseSafetensors(bytes);
    assert.deepEqual([...back.tensors.get("ids")!.data], [7, -1, 30521]);
    const w = back.tensors.get("w")!;
    assert.deepEqual(w.shape, [10, 100]);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(w.data[i] - data[i]) / Math.abs(data[i]));
    assert.ok(worst <= rel, `${dtype}: worst relative error ${worst} > ${rel}`);
    assert.ok(worst > 0);
  }
  // the default is unchanged: float32 stays F32, exactly
  const back = parseSafetensors(f32).tensors.get("w")!;
  assert.deepEqual([...back.data], [...data]);
});

test("writeSafetensors F16 round-trips through a file; a bad float_dtype is named", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-half-"));
  const file = path.join(dir, "model.safetensors");
  writeSafetensors(file, { x: { dtype: "float32", shape: [values.length], data: values } }, { format: "pt" }, { float_dtype: "F16" });
  const got = readSafetensors(file).tensors.get("x")!.data;
  for (let i = 0; i < values.length; i++) {
    const want = halfToFloat(oracle.f16_bits[i]);
    assert.ok(Object.is(got[i], Math.fround(want)) || got[i] === want, `value ${i}: ${got[i]} vs ${want}`);
  }
  assert.throws(
    () => serializeSafetensors({ x: { dtype: "float32", shape: [1], data: new Float32Array(1) } }, {}, { float_dtype: "F8" as never }),
    /float_dtype 'F8' is not supported; expected F32, F16 or BF16/,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});
