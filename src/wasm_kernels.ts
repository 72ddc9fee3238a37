// Kernels that @tensorflow/tfjs-backend-wasm 4.22 does not ship (or ships with a needless copy, or a dtype bug),
// written against its public backend API (makeOutput / typedArrayFromHeap / incRef). Registered
// once, when the wasm backend loads.
import * as tf from "@tensorflow/tfjs";

interface WasmBackendLike {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  dataIdNextNumber: number;
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
}

/** Name of the batched-as-2-D matmul kernel (see slicedMatMul). */
export const SLICED_MATMUL = "BertlabSlicedMatMul";

let wasmBatchMatMul: ((...args: unknown[]) => void) | undefined;

/**
 * SlicedMatMul: a [N, m, k] · b [N, k, n] → [N, m, n], as N calls of the wasm backend's own
 * BatchMatMul on rank-3 *views* with batch 1 — the only shape that takes XNNPACK's fast path
 * (tfjs-backend-wasm's batched and transposed matmuls run a scalar loop at ~2 GFLOP/s). Each view
 * is registered with the backend at an offset inside its parent tensor's heap buffer (no copy,
 * unlike unstack) and unregistered right after; XNNPACK packs each slice's right operand anew.
 */
function slicedMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  if (a.dtype !== "float32" || b.dtype !== "float32") throw new Error(`${SLICED_MATMUL}: float32 inputs expected, got ${a.dtype} and ${b.dtype}`);
  const [N, m, k] = a.shape;
  const [Nb, kb, n] = b.shape;
  if (a.shape.length !== 3 || b.shape.length !== 3 || N !== Nb || k !== kb) {
    throw new Error(`${SLICED_MATMUL}: expected a [N, m, k] and b [N, k, n], got [${a.shape}] and [${b.shape}]`);
  }
  wasmBatchMatMul ??= backend.wasm.cwrap("BatchMatMul", null, ["number", "array", "number", "number", "array", "number", "number", "number", "number"]);
  const out = backend.makeOutput([N, m, n], "float32");
  if (N * m * n === 0) return out;
  if (k === 0) {
    backend.typedArrayFromHeap(out).fill(0); // an empty sum
    return out;
  }
  const base = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [aOff, bOff, oOff] = [base(a), base(b), base(out)];
  const aShape = new Uint8Array(new Int32Array([1, m, k]).buffer);
  const bShape = new Uint8Array(new Int32Array([1, k, n]).buffer);
  const { tfjs } = backend.wasm;
  for (let i = 0; i < N; i++) {
    const ids = [backend.dataIdNextNumber++, backend.dataIdNextNumber++, backend.dataIdNextNumber++];
    tfjs.registerTensor(ids[0], m * k, aOff + 4 * i * m * k);
    tfjs.registerTensor(ids[1], k * n, bOff + 4 * i * k * n);
    tfjs.registerTensor(ids[2], m * n, oOff + 4 * i * m * n);
    try {
      wasmBatchMatMul(ids[0], aShape, 3, ids[1], bShape, 3, false, false, ids[2]);
    } finally {
      for (const id of ids) tfjs.disposeData(id); // unregisters the view (and its XNNPACK operator); frees nothing
    }
  }
  return out;
}

/**
 * UnsortedSegmentSum: out[segmentIds[i], ...] += x[i, ...]. It is the gradient of `gather`
 * (the embedding lookup), so without it nothing with an embedding trains on wasm.
 */
function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const outVals = backend.typedArrayFromHeap(out);
  outVals.fill(0);
  const xVals = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < rows; i++) {
    const seg = ids[i];
    if (seg < 0 || seg >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
    const src = i * inner;
    const dst = seg * inner;
    for (let j = 0; j < inner; j++) outVals[dst + j] += xVals[src + j];
  }
  return out;
}

/**
 * Identity that shares its input's buffer (one more reference, as the cpu backend's Identity and the
 * wasm backend's own Reshape do) instead of copying it. tfjs clones every tensor it saves for a
 * gradient (`saveTensorsForBackwardMode`, customGrad's `save`) through Identity, so the wasm backend's
 * copying Identity held two copies of each saved forward activation for the whole backward pass —
 * notebook 04's training step kept ~200 MB of such copies in a wasm heap that never shrinks. Sharing is
 * safe because tfjs tensors are immutable: kernels always write into a fresh output, a Variable's
 * `assign` swaps its buffer instead of writing into it, and bertlab writes into the heap only into
 * tensors it has just created (ops/filled.ts, the kernels here).
 */
function sharedIdentity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === "string") throw new Error("Identity: string tensors are not supported by the wasm backend");
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let wasmSelect: tf.KernelFunc | undefined;

/**
 * Select (`tf.where(condition, a, b)`) with the cpu backend's dtype rule: a and b of different dtypes are both cast to
 * their common type first. The wasm backend's own Select takes `a`'s dtype and reads `b`'s bytes as that type, so
 * `tf.where(mask, labels_int32, -100)` — transformers' `torch.where(mask, labels, -100)` — gave -1027080192 (the bits
 * of the float -100) where cpu gives -100.
 */
function upcastSelect(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo | tf.TensorInfo[] {
  const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
  if (t.dtype === e.dtype) return wasmSelect!(args as never);
  const dtype = tf.upcastType(t.dtype, e.dtype);
  const cast = tf.getKernel("Cast", "wasm")!.kernelFunc;
  const made: tf.TensorInfo[] = [];
  const as_dtype = (x: tf.TensorInfo) => {
    if (x.dtype === dtype) return x;
    const y = cast({ inputs: { x }, backend: args.backend, attrs: { dtype } } as never) as tf.TensorInfo;
    made.push(y);
    return y;
  };
  try {
    return wasmSelect!({ ...args, inputs: { condition, t: as_dtype(t), e: as_dtype(e) } } as never);
  } finally {
    for (const y of made) (args.backend as { disposeData(id: object): void }).disposeData(y.dataId);
  }
}

let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel("UnsortedSegmentSum", "wasm")) {
    tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum as tf.KernelFunc });
  }
  if (tf.getKernel("Identity", "wasm")?.kernelFunc !== (sharedIdentity as unknown as tf.KernelFunc)) {
    tf.unregisterKernel("Identity", "wasm");
    tf.registerKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: sharedIdentity as unknown as tf.KernelFunc });
  }
  const select = tf.getKernel("Select", "wasm");
  if (select && select.kernelFunc !== (upcastSelect as unknown as tf.KernelFunc)) {
    wasmSelect = select.kernelFunc;
    tf.unregisterKernel("Select", "wasm");
    // the wasm kernel binds its C function in setupFunc (run when the backend initializes): keep it
    tf.registerKernel({ kernelName: "Select", backendName: "wasm", setupFunc: select.setupFunc, kernelFunc: upcastSelect as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel(SLICED_MATMUL, "wasm")) {
    tf.registerKernel({ kernelName: SLICED_MATMUL, backendName: "wasm", kernelFunc: slicedMatMul as unknown as tf.KernelFunc });
  }
}
