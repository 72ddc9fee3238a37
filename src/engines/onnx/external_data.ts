// ONNX external data: initializer bytes written to one file beside the model instead of inside it, each
// at a page-aligned offset, so onnxruntime maps the file rather than copying a model-sized buffer, and
// the graph builder never holds all weights at once (each is written as soon as it is built).
//   const ext = new ExternalData(dir);           // dir/model.onnx.data
//   tensor = ext.tensor(name, FLOAT, dims, bytes); // a TensorProto that points into the file
//   ext.close();
import * as fs from "fs";
import * as path from "path";
import type { onnx } from "onnx-proto";

/** Offsets are multiples of this, so onnxruntime can map each initializer without copying it. */
const ALIGN = 4096;
/** Initializers below this size stay inside the model (ORT reads tiny external tensors anyway). */
export const EXTERNAL_MIN_BYTES = 1024;
const EXTERNAL = 1; // onnx.TensorProto.DataLocation.EXTERNAL

export class ExternalData {
  /** The data file's name, relative to the model file (ONNX's `location`). */
  readonly location: string;
  readonly file: string;
  private fd: number;
  private offset = 0;

  constructor(readonly dir: string, location = "model.onnx.data") {
    this.location = location;
    this.file = path.join(dir, location);
    this.fd = fs.openSync(this.file, "w");
  }

  /** Bytes written so far (padding included). */
  get size(): number {
    return this.offset;
  }

  /** Appends `bytes` at the next aligned offset and returns the TensorProto that refers to them. */
  tensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): onnx.ITensorProto {
    if (this.fd < 0) throw new Error(`ExternalData(${this.file}): tensor '${name}' written after close()`);
    const pad = (ALIGN - (this.offset % ALIGN)) % ALIGN;
    if (pad) fs.writeSync(this.fd, new Uint8Array(pad), 0, pad, this.offset);
    const offset = this.offset + pad;
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(this.fd, bytes, done, bytes.byteLength - done, offset + done);
    this.offset = offset + bytes.byteLength;
    const externalData = [
      { key: "location", value: this.location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(bytes.byteLength) },
    ];
    return { name, dataType, dims, dataLocation: EXTERNAL, externalData };
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
