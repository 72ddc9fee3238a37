// Checkpoint loading as transformers 4.31 `_load_pretrained_model` does it: find the weights file(s),
// rename legacy keys (LayerNorm gamma/beta), add or strip the `bert.` prefix between base and head
// checkpoints, treat tied weights as loaded when their partner is, report missing / unexpected /
// mismatched keys with HF's exact messages, and initialise what the checkpoint lacks.
import { cached_file, PretrainedOptions } from "../../hub/resolve";
import type { TensorData } from "../../hub/safetensors";
import { get_checkpoint_shard_files, open_sharded_checkpoint, open_weights_file } from "../../hub/shards";
import type { LazyTensor } from "../../hub/lazy";
import { is_offline_mode } from "../../hub/env";
import { Generator, Module, ParamSource } from "../../nn";

/** What from_pretrained's weight loading found (Python: `output_loading_info=True`): missing, unexpected and mismatched keys, errors. */
export interface LoadingInfo {
  missing_keys: string[];
  unexpected_keys: string[];
  /** [key, shape in the checkpoint, shape in the model] for weights re-initialised with ignore_mismatched_sizes. */
  mismatched_keys: [string, number[], number[]][];
  error_msgs: string[];
}

/**
 * An opened checkpoint: every tensor's name, shape and dtype, its values read only when the model is
 * filled (straight into each variable's memory), so a load holds one copy of the weights, not three.
 * `close()` closes the files; from_pretrained does it once the model is filled.
 */
export interface Checkpoint {
  tensors: Map<string, LazyTensor>;
  /** The file(s) the weights came from. */
  files: string[];
  close(): void;
}

const BASE_PREFIX = "bert";

/** Plain tensors as lazy ones (apply_checkpoint also takes a Map of TensorData). */
function lazyFromData(t: TensorData): LazyTensor {
  return { dtype: t.dtype, shape: t.shape, stored: t.dtype === "float32" ? "F32" : "I32", read_into: (dest) => dest.set(t.data) };
}

/**
 * The weights of a model id or folder: model.safetensors, then model.safetensors.index.json (shards),
 * then pytorch_model.bin, then pytorch_model.bin.index.json.
 */
export async function load_checkpoint(id_or_path: string, options: PretrainedOptions & { use_safetensors?: boolean } = {}): Promise<Checkpoint> {
  const { use_safetensors, ...hub } = options;
  const opt = { ...hub, optional: true };
  const single = async (name: string): Promise<Checkpoint | null> => {
    const file = await cached_file(id_or_path, name, opt);
    if (!file) return null;
    const r = open_weights_file(file);
    return { tensors: r.tensors, files: [file], close: () => r.close() };
  };
  const sharded = async (name: string): Promise<Checkpoint | null> => {
    if (!(await cached_file(id_or_path, name, opt))) return null;
    const { index, files } = await get_checkpoint_shard_files(id_or_path, name, hub);
    const r = open_sharded_checkpoint(index, files);
    return { tensors: r.tensors, files, close: () => r.close() };
  };
  // use_safetensors: true → safetensors only; false → skip safetensors (HF's keyword).
  const use = use_safetensors;
  const found = (use !== false ? (await single("model.safetensors")) ?? (await sharded("model.safetensors.index.json")) : null)
    ?? (use !== true ? (await single("pytorch_model.bin")) ?? (await sharded("pytorch_model.bin.index.json")) : null);
  if (!found) {
    const names = use === true ? "model.safetensors or model.safetensors.index.json" : use === false ? "pytorch_model.bin or pytorch_model.bin.index.json" : "model.safetensors, model.safetensors.index.json, pytorch_model.bin or pytorch_model.bin.index.json";
    const offline = hub.local_files_only || is_offline_mode();
    const hint = offline ? " (offline mode: only local folders, the Hugging Face cache and shipped models were searched; run once online or copy the files into the cache)" : "";
    throw new Error(`${id_or_path} does not appear to have a file named ${names}${hint}`);
  }
  return found;
}

/** HF's `_fix_key`: TF-era LayerNorm names. */
export function fix_key(key: string): string {
  if (key.includes("beta")) return key.replaceAll("beta", "bias");
  if (key.includes("gamma")) return key.replaceAll("gamma", "weight");
  return key;
}

/** Python's repr of a list of strings, as HF prints key lists. */
export function py_list(items: string[]): string {
  return `[${items.map((s) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`)).join(", ")}]`;
}

function torchSize(shape: number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

/**
 * Fills `model` (not yet materialized) from checkpoint tensors and returns the loading info.
 * Throws HF's "Error(s) in loading state_dict" on shape mismatches unless ignore_mismatched_sizes.
 */
export function apply_checkpoint(
  model: Module,
  checkpoint: Checkpoint | Map<string, TensorData>,
  id_or_path: string,
  options: { ignore_mismatched_sizes?: boolean; seed?: number; quiet?: boolean } = {},
): LoadingInfo {
  const className = model.constructor.name;
  const state = new Map<string, LazyTensor>();
  if (checkpoint instanceof Map) for (const [k, v] of checkpoint) state.set(fix_key(k), lazyFromData(v));
  else for (const [k, v] of checkpoint.tensors) state.set(fix_key(k), v);
  const loaded_keys = [...state.keys()];

  const specs = model.named_parameter_specs();
  const model_keys = specs.map((p) => p.name);
  const prefix = BASE_PREFIX;
  const has_prefix_module = loaded_keys.some((k) => k.startsWith(prefix));
  const expects_prefix_module = model_keys.some((k) => k.startsWith(prefix));
  const remove_prefix_from_model = !has_prefix_module && expects_prefix_module;
  const add_prefix_to_model = has_prefix_module && !expects_prefix_module;
  // The checkpoint name of each model parameter.
  const to_ckpt = (k: string): string => {
    if (remove_prefix_from_model) return k.startsWith(`${prefix}.`) ? k.slice(prefix.length + 1) : k;
    if (add_prefix_to_model) return `${prefix}.${k}`;
    return k;
  };
  const expected_keys = model_keys.map(to_ckpt);
  const expected = new Set(expected_keys);
  const loaded = new Set(loaded_keys);

  let missing_keys = expected_keys.filter((k) => !loaded.has(k));
  // Non-persistent buffers (position_ids, token_type_ids) in old checkpoints are not "unexpected".
  const isBuffer = (k: string): boolean => /(^|\.)embeddings\.(position_ids|token_type_ids)$/.test(k);
  const unexpected_keys = loaded_keys.filter((k) => !expected.has(k) && !isBuffer(k));

  // Tied groups: a missing member is fine when another member of its group was loaded.
  const nameOf = new Map<object, Map<string, string>>();
  for (const p of specs) {
    if (!nameOf.has(p.module)) nameOf.set(p.module, new Map());
    nameOf.get(p.module)!.set(p.local, p.name);
  }
  const ownerName = (p: (typeof specs)[number]): string => nameOf.get(p.spec.tied_to!.module)!.get(p.spec.tied_to!.name)!;
  const groups = new Map<string, string[]>();
  for (const p of specs) {
    if (!p.spec.tied_to) continue;
    const owner = ownerName(p);
    if (!groups.has(owner)) groups.set(owner, [to_ckpt(owner)]);
    groups.get(owner)!.push(to_ckpt(p.name));
  }
  for (const group of groups.values()) {
    const missing_in_group = group.filter((k) => missing_keys.includes(k));
    if (missing_in_group.length > 0 && missing_in_group.length < group.length) {
      missing_keys = missing_keys.filter((k) => !missing_in_group.includes(k));
    }
  }

  // Shapes.
  const mismatched_keys: [string, number[], number[]][] = [];
  const error_msgs: string[] = [];
  const skip = new Set<string>();
  for (const p of specs) {
    const ck = to_ckpt(p.name);
    const t = state.get(ck);
    if (!t) continue;
    if (t.shape.join() !== p.spec.shape.join()) {
      if (options.ignore_mismatched_sizes) {
        mismatched_keys.push([ck, t.shape.slice(), p.spec.shape.slice()]);
        skip.add(ck);
      } else {
        error_msgs.push(`size mismatch for ${ck}: copying a param with shape ${torchSize(t.shape)} from checkpoint, the shape in current model is ${torchSize(p.spec.shape)}.`);
      }
    } else if (t.dtype !== "float32") {
      error_msgs.push(`${ck}: the checkpoint holds an integer tensor (${t.dtype}); expected floating point weights`);
    }
  }
  if (error_msgs.length) {
    let msg = error_msgs.join("\n\t");
    if (msg.includes("size mismatch")) msg += "\n\tYou may consider adding `ignore_mismatched_sizes=True` in the model `from_pretrained` method.";
    throw new Error(`Error(s) in loading state_dict for ${className}:\n\t${msg}`);
  }

  // Values by model name; a tied parameter's owner may be filled through the tied name.
  const valueFor = (name: string): ParamSource | undefined => {
    const names = [to_ckpt(name)];
    for (const p of specs) if (p.spec.tied_to && ownerName(p) === name) names.push(to_ckpt(p.name));
    for (const ck of names) {
      const t = state.get(ck);
      if (t && !skip.has(ck)) return { shape: t.shape, read_into: (dest: Float32Array) => t.read_into(dest) };
    }
    return undefined;
  };
  model.materialize({ values: valueFor, generator: options.seed === undefined ? undefined : new Generator(options.seed) });

  if (!options.quiet) {
    for (const m of loading_messages(className, id_or_path, { missing_keys, unexpected_keys, mismatched_keys, error_msgs })) console.warn(m);
  }
  return { missing_keys, unexpected_keys, mismatched_keys, error_msgs };
}

/** HF's warnings for a load, word for word (empty when everything matched). */
export function loading_messages(className: string, id_or_path: string, info: LoadingInfo): string[] {
  const out: string[] = [];
  if (info.unexpected_keys.length > 0) {
    out.push(
      `Some weights of the model checkpoint at ${id_or_path} were not used when initializing ${className}: ${py_list(info.unexpected_keys)}\n` +
      `- This IS expected if you are initializing ${className} from the checkpoint of a model trained on another task or with another architecture (e.g. initializing a BertForSequenceClassification model from a BertForPreTraining model).\n` +
      `- This IS NOT expected if you are initializing ${className} from the checkpoint of a model that you expect to be exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification model).`,
    );
  }
  if (info.missing_keys.length > 0) {
    out.push(
      `Some weights of ${className} were not initialized from the model checkpoint at ${id_or_path} and are newly initialized: ${py_list(info.missing_keys)}\n` +
      "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.",
    );
  }
  if (info.mismatched_keys.length > 0) {
    const lines = info.mismatched_keys.map(([k, a, b]) => `- ${k}: found shape ${torchSize(a)} in the checkpoint and ${torchSize(b)} in the model instantiated`);
    out.push(
      `Some weights of ${className} were not initialized from the model checkpoint at ${id_or_path} and are newly initialized because the shapes did not match:\n${lines.join("\n")}\n` +
      "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.",
    );
  }
  return out;
}
