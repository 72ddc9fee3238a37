// Prototype for the loader owners (src/hub, src/models): read a safetensors file tensor by tensor
// straight into tfjs-backend-wasm's heap, so a load never holds the file, a decoded copy and the
// tensors at once. `npm run bench` (load section) measures its peak RSS against from_pretrained's.
import * as fs from "fs";
import { tf } from "../src/backend";

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

/** F32 tensors of a safetensors file as tfjs tensors on the wasm backend, read with one pread each. */
export function streamSafetensorsToWasm(file: string): Map<string, tf.Tensor> {
  if (tf.getBackend() !== "wasm") throw new Error(`streamSafetensorsToWasm: needs the wasm backend, got ${tf.getBackend()}`);
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(8);
    fs.readSync(fd, head, 0, 8, 0);
    const n = Number(head.readBigUInt64LE(0));
    const json = Buffer.alloc(n);
    fs.readSync(fd, json, 0, n, 8);
    const header = JSON.parse(json.toString("utf8")) as Record<string, HeaderEntry>;
    const backend = tf.backend() as unknown as WasmBackendLike;
    const out = new Map<string, tf.Tensor>();
    for (const [name, e] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      if (e.dtype !== "F32") throw new Error(`streamSafetensorsToWasm: '${name}' is ${e.dtype}; the prototype reads F32 only`);
      const t = tf.buffer(e.shape, "float32").toTensor(); // allocated in the wasm heap (zeros)
      const bytes = e.data_offsets[1] - e.data_offsets[0];
      const offset = backend.dataIdMap.get(t.dataId).memoryOffset;
      // read in chunks straight into the heap (re-read HEAPU8: the heap may have grown)
      for (let done = 0; done < bytes; ) {
        const chunk = Math.min(bytes - done, 64 << 20);
        done += fs.readSync(fd, backend.wasm.HEAPU8, offset + done, chunk, 8 + n + e.data_offsets[0] + done);
      }
      out.set(name, t);
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
