// Which checkpoint files a model's in-memory weights still equal, so the int8 graph cache can key a model
// loaded by from_pretrained on those files' identity instead of hashing every weight byte (bert-base: a warm
// start then reads no weights at all).
// from_pretrained records, when every parameter came from the files (no newly initialised or mismatched
// key), the files' identity (real path, device, inode, size, mtime, ctime: stable while the file is not
// replaced or rewritten) and each parameter's name and tfjs dataId. Every way bertlab changes a weight —
// Variable.assign (optimizer steps, load_state_dict, the ONNX train step), replace_parameter (
// resize_token_embeddings, prune_heads), a new model — gives that parameter a new dataId or changes the
// names, so `weights_source_id` answers only while the weights are exactly what was loaded, and the cache
// falls back to the full digest otherwise. (Writing into the array a CPU-backend dataSync() returns is
// outside the API and not seen.)
import * as fs from "fs";

/** A parameter as the state dict holds it (a tf.Variable). */
interface DataIdHolder {
  dataId: object;
}

interface WeightsSource {
  id: string;
  names: string[];
  data_ids: object[];
}

const sources = new WeakMap<object, WeightsSource>();

/**
 * The identity of checkpoint files as they are now: per file its real path, device, inode, size, mtime and
 * ctime (a rewrite or a rename over it changes one of them). null when one cannot be stat'ed.
 */
export function files_identity(files: string[]): string | null {
  try {
    return JSON.stringify(
      files.map((f) => {
        const st = fs.statSync(f, { bigint: true });
        return [fs.realpathSync(f), String(st.dev), String(st.ino), String(st.size), String(st.mtimeNs), String(st.ctimeNs)];
      }),
    );
  } catch {
    return null;
  }
}

/** Records that `model`'s parameters (`state`, its state dict right after loading) equal the files of `id`. */
export function record_weights_source(model: object, id: string, state: Map<string, DataIdHolder>): void {
  sources.set(model, { id, names: [...state.keys()], data_ids: [...state.values()].map((v) => v.dataId) });
}

/** Forgets the files a model was loaded from (its weights no longer equal them). */
export function forget_weights_source(model: object): void {
  sources.delete(model);
}

/**
 * The identity of the checkpoint files `model` was loaded from while its parameters (`state`, its state
 * dict now) are still exactly the loaded ones — same names, same tensors — else null.
 */
export function weights_source_id(model: object, state: Map<string, DataIdHolder>): string | null {
  const s = sources.get(model);
  if (!s || state.size !== s.names.length) return null;
  let i = 0;
  for (const [name, v] of state) {
    if (name !== s.names[i] || v.dataId !== s.data_ids[i]) return null;
    i++;
  }
  return s.id;
}
