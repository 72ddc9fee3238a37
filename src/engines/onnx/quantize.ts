// Dynamic int8 quantization of the dense weights (PyTorch `quantize_dynamic` / ORT `quantize_dynamic`
// semantics): weights symmetric int8 (zero point 0), per output channel or per tensor; activations
// quantized at run time to uint8 by DynamicQuantizeLinear. The graph uses standard ONNX ops only —
// DynamicQuantizeLinear → MatMulInteger → Cast → Mul(x_scale · w_scale) — the pattern ORT's own
// quantizer writes, which ORT's optimizer fuses into its DynamicQuantizeMatMul kernel. How the weights are
// stored (`scheme`: u8s8, u8u8 or reduce_range) is chosen per CPU class in cpu.ts, so the integer GEMM
// never saturates (u8s8 only where VNNI makes it exact).
import { auto_int8_scheme, Int8Scheme, INT8_SCHEMES } from "./cpu";
import { FLOAT, GraphBuilder } from "./graph";

/** `quantize` option of the engine / model: dynamic int8 weights. */
export interface QuantizeOptions {
  /** Only "int8" (weights int8, activations uint8 per tensor at run time). Default "int8". */
  dtype?: "int8";
  /** One scale per output channel (default true: better accuracy, same speed) or one per weight. */
  per_channel?: boolean;
  /**
   * How the int8 weights meet the uint8 activations (cpu.ts): "u8s8" (int8 weights; exact only with
   * VNNI), "u8u8" (uint8 weights, exact everywhere), "reduce_range" (7-bit int8 weights, never
   * saturate), or "auto" (default): BERTLAB_INT8_SCHEME when set, else u8s8 on VNNI CPUs and reduce_range elsewhere.
   */
  scheme?: "auto" | Int8Scheme;
}

/** An int8 quantization option after checking: per-channel or not, and the concrete scheme for this CPU. */
export interface ResolvedQuantize {
  dtype: "int8";
  per_channel: boolean;
  /** The scheme the graph is built with ("auto" resolved for this CPU when the option was checked). */
  scheme: Int8Scheme;
}

const EXPECTED = `{ dtype: "int8", per_channel?: boolean, scheme?: "auto" | ${INT8_SCHEMES.map((s) => `"${s}"`).join(" | ")} }, true or null`;

/** Checks and fills a `quantize` option; null / false / undefined mean fp32. */
export function resolveQuantize(q: QuantizeOptions | boolean | null | undefined, what = "quantize"): ResolvedQuantize | null {
  if (q == null || q === false) return null;
  if (q === true) return { dtype: "int8", per_channel: true, scheme: auto_int8_scheme() };
  if (typeof q !== "object") throw new Error(`${what}: expected ${EXPECTED}; got ${JSON.stringify(q)}`);
  const dtype = q.dtype ?? "int8";
  if (dtype !== "int8") throw new Error(`${what}.dtype='${dtype}' is not supported; expected "int8"`);
  if (q.per_channel !== undefined && typeof q.per_channel !== "boolean") throw new Error(`${what}.per_channel: expected a boolean, got ${JSON.stringify(q.per_channel)}`);
  const scheme = q.scheme ?? "auto";
  if (scheme !== "auto" && !(INT8_SCHEMES as readonly string[]).includes(scheme)) {
    throw new Error(`${what}.scheme='${scheme}' is not supported; expected "auto", ${INT8_SCHEMES.map((s) => `"${s}"`).join(", ")}`);
  }
  return { dtype, per_channel: q.per_channel ?? true, scheme: scheme === "auto" ? auto_int8_scheme() : scheme };
}

/** The largest |q| of a scheme's weights: 127, or 63 for reduce_range (7 bits). */
export function weight_qmax(scheme: Int8Scheme): number {
  return scheme === "reduce_range" ? 63 : 127;
}

/** A quantized [in, out] weight: int8 values, their scales (one per output column, or one). */
export interface QuantizedWeight {
  q: Int8Array; // [in, out]
  scales: Float32Array; // [out] or [1]
}

/**
 * Quantizes PyTorch [out, in] weight blocks stacked along out (one block: a Linear; three: Q/K/V)
 * to a transposed [in, out] int8 matrix: q = round(w / s), s = max|w| / qmax per output row (or per
 * tensor), so w ≈ q · s with |error| ≤ s / 2. qmax: 127, or 63 for reduce_range.
 */
export function quantizeWeight(blocks: Float32Array[], outDim: number, inDim: number, perChannel: boolean, qmax = 127): QuantizedWeight {
  const rows = outDim * blocks.length;
  const scales = new Float32Array(perChannel ? rows : 1);
  const rowMax = new Float32Array(rows);
  blocks.forEach((bl, j) => {
    for (let r = 0; r < outDim; r++) {
      let m = 0;
      for (let c = 0, o = r * inDim; c < inDim; c++) m = Math.max(m, Math.abs(bl[o + c]));
      rowMax[j * outDim + r] = m;
    }
  });
  if (perChannel) for (let r = 0; r < rows; r++) scales[r] = rowMax[r] > 0 ? rowMax[r] / qmax : 1;
  else {
    const m = rowMax.reduce((a, b) => Math.max(a, b), 0);
    scales[0] = m > 0 ? m / qmax : 1;
  }
  const q = new Int8Array(inDim * rows);
  blocks.forEach((bl, j) => {
    for (let r = 0; r < outDim; r++) {
      const row = j * outDim + r;
      const inv = 1 / scales[perChannel ? row : 0];
      for (let c = 0, o = r * inDim; c < inDim; c++) {
        const v = Math.round(bl[o + c] * inv);
        q[c * rows + row] = v > qmax ? qmax : v < -qmax ? -qmax : v; // [in, out]
      }
    }
  });
  return { q, scales };
}

/** The uint8 form of int8 weights for u8u8: q + 128 (zero point 128), the same values to the GEMM. */
export function toUint8(q: Int8Array): Uint8Array {
  const u = new Uint8Array(q.length);
  for (let i = 0; i < q.length; i++) u[i] = q[i] + 128;
  return u;
}

/**
 * x · W for a quantized weight, as standard ops: [..., in] float → [..., out] float (no bias).
 * `name` names the initializers (`<name>_quantized`, `_scale`, `_zero_point`). With scheme "u8u8" the
 * weights are stored as uint8 with zero point 128 (ORT then runs its u8u8 GEMM).
 */
export function quantizedMatMul(g: GraphBuilder, x: string, name: string, w: QuantizedWeight, inDim: number, outDim: number, scheme: Int8Scheme = "u8s8"): string {
  const n = w.scales.length;
  const u8 = scheme === "u8u8";
  const Wq = g.initInt8(`${name}_quantized`, u8 ? toUint8(w.q) : w.q, [inDim, outDim]);
  const scale = g.initFloat(`${name}_scale`, w.scales, n === 1 ? [] : [n]);
  const zp = g.initInt8(`${name}_zero_point`, u8 ? new Uint8Array(n).fill(128) : new Int8Array(n), n === 1 ? [] : [n]);
  const [xq, xScale, xZp] = g.node("DynamicQuantizeLinear", [x], { outputs: 3, hint: "x_quant" }); // uint8, per tensor
  const acc = g.op("MatMulInteger", [xq, Wq, xZp, zp], undefined, "matmul_int"); // int32 [..., out]
  const s = g.op("Mul", [xScale, scale], undefined, "scale"); // [out] or []
  return g.op("Mul", [g.op("Cast", [acc], { to: FLOAT }), s], undefined, "matmul_q");
}
