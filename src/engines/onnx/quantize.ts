// Dynamic int8 quantization of the dense weights (PyTorch `quantize_dynamic` / ORT `quantize_dynamic`
// semantics): weights symmetric int8 (zero point 0), per output channel or per tensor; activations
// quantized at run time to uint8 by DynamicQuantizeLinear. The graph uses standard ONNX ops only —
// DynamicQuantizeLinear → MatMulInteger → Cast → Mul(x_scale · w_scale) — the pattern ORT's own
// quantizer writes, which ORT's optimizer fuses into its DynamicQuantizeMatMul kernel (u8s8 GEMM, VNNI).
import { FLOAT, GraphBuilder } from "./graph";

/** `quantize` option of the engine / model: dynamic int8 weights. */
export interface QuantizeOptions {
  /** Only "int8" (weights int8, activations uint8 per tensor at run time). Default "int8". */
  dtype?: "int8";
  /** One scale per output channel (default true: better accuracy, same speed) or one per weight. */
  per_channel?: boolean;
}

export interface ResolvedQuantize {
  dtype: "int8";
  per_channel: boolean;
}

/** Checks and fills a `quantize` option; null / false / undefined mean fp32. */
export function resolveQuantize(q: QuantizeOptions | boolean | null | undefined, what = "quantize"): ResolvedQuantize | null {
  if (q == null || q === false) return null;
  if (q === true) return { dtype: "int8", per_channel: true };
  if (typeof q !== "object") throw new Error(`${what}: expected { dtype: "int8", per_channel?: boolean }, true or null; got ${JSON.stringify(q)}`);
  const dtype = q.dtype ?? "int8";
  if (dtype !== "int8") throw new Error(`${what}.dtype='${dtype}' is not supported; expected "int8"`);
  if (q.per_channel !== undefined && typeof q.per_channel !== "boolean") throw new Error(`${what}.per_channel: expected a boolean, got ${JSON.stringify(q.per_channel)}`);
  return { dtype, per_channel: q.per_channel ?? true };
}

/** A quantized [in, out] weight: int8 values, their scales (one per output column, or one). */
export interface QuantizedWeight {
  q: Int8Array; // [in, out]
  scales: Float32Array; // [out] or [1]
}

/**
 * Quantizes PyTorch [out, in] weight blocks stacked along out (one block: a Linear; three: Q/K/V)
 * to a transposed [in, out] int8 matrix: q = round(w / s), s = max|w| / 127 per output row (or per
 * tensor), so w ≈ q · s with |error| ≤ s / 2.
 */
export function quantizeWeight(blocks: Float32Array[], outDim: number, inDim: number, perChannel: boolean): QuantizedWeight {
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
  if (perChannel) for (let r = 0; r < rows; r++) scales[r] = rowMax[r] > 0 ? rowMax[r] / 127 : 1;
  else {
    const m = rowMax.reduce((a, b) => Math.max(a, b), 0);
    scales[0] = m > 0 ? m / 127 : 1;
  }
  const q = new Int8Array(inDim * rows);
  blocks.forEach((bl, j) => {
    for (let r = 0; r < outDim; r++) {
      const row = j * outDim + r;
      const inv = 1 / scales[perChannel ? row : 0];
      for (let c = 0, o = r * inDim; c < inDim; c++) {
        const v = Math.round(bl[o + c] * inv);
        q[c * rows + row] = v > 127 ? 127 : v < -127 ? -127 : v; // [in, out]
      }
    }
  });
  return { q, scales };
}

/**
 * x · W for a quantized weight, as standard ops: [..., in] float → [..., out] float (no bias).
 * `name` names the initializers (`<name>_quantized`, `_scale`, `_zero_point`).
 */
export function quantizedMatMul(g: GraphBuilder, x: string, name: string, w: QuantizedWeight, inDim: number, outDim: number): string {
  const n = w.scales.length;
  const Wq = g.initInt8(`${name}_quantized`, w.q, [inDim, outDim]);
  const scale = g.initFloat(`${name}_scale`, w.scales, n === 1 ? [] : [n]);
  const zp = g.initInt8(`${name}_zero_point`, new Int8Array(n), n === 1 ? [] : [n]);
  const [xq, xScale, xZp] = g.node("DynamicQuantizeLinear", [x], { outputs: 3, hint: "x_quant" }); // uint8, per tensor
  const acc = g.op("MatMulInteger", [xq, Wq, xZp, zp], undefined, "matmul_int"); // int32 [..., out]
  const s = g.op("Mul", [xScale, scale], undefined, "scale"); // [out] or []
  return g.op("Mul", [g.op("Cast", [acc], { to: FLOAT }), s], undefined, "matmul_q");
}
