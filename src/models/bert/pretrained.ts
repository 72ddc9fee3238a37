// BertPreTrainedModel: what every BERT model shares — its config, weight creation (HF `_init_weights`
// rules, seedable), the callable `model(inputs)` / `model.forward(inputs)` wrapped in one tf.tidy,
// `from_pretrained` and `save_pretrained`. In eval mode plain inference may run on ONNX Runtime instead
// (src/engines/sync): `model.engine = "auto" | "tfjs" | "onnx"`, and `model.last_engine` says which ran.
import * as fs from "fs";
import * as path from "path";
import { ready, tf } from "../../backend";
import { split_hub_options, type PretrainedOptions } from "../../hub/resolve";
import type { TensorData } from "../../hub/safetensors";
import { shard_safetensors, stale_weight_files } from "../../hub/shards";
import { read_dir_consistent, write_files_atomic } from "../../utils/atomic_dir";
import { Embedding, Generator, Module, next_uid } from "../../nn";
import { input_embeddings, lm_predictions, prune_heads, resize_token_embeddings, set_input_embeddings } from "./surgery";
import { BertConfig, BertConfigDict } from "./configuration_bert";
import { check_input_keys, BertInputs } from "./inputs";
import type { OutputFor } from "./outputs";
import { load_checkpoint, LoadingInfo, apply_checkpoint } from "./checkpoint";
import { check_engine_name, default_engine, engine_forward, release_sync_engine } from "../../engines/sync";
import { check_model_inputs } from "../../engines/input_checks";
import { check_forward_memory } from "./memory";
import { export_onnx, ExportOnnxOptions, ExportOnnxResult } from "../../engines/onnx/export";
import { QuantizeOptions, ResolvedQuantize, resolveQuantize } from "../../engines/onnx/quantize";
import { files_identity, record_weights_source } from "../../engines/onnx/weights_source";
import { loadOrt } from "../../engines/onnx/runtime";
import type { EngineName } from "../../engines/switch";
import { set_output_display } from "../../utils/display";

let deferInit = 0;

/** Runs `make` with weight creation deferred (submodules, and models about to be filled from a checkpoint). */
export function without_init<T>(make: () => T): T {
  deferInit += 1;
  try {
    return make();
  } finally {
    deferInit -= 1;
  }
}

/** from_pretrained's options (Python's keyword arguments): config or config overrides, hub options (revision, cache_dir, local_files_only, token), quiet. */
export interface FromPretrainedOptions extends PretrainedOptions, BertConfigDict {
  /** Use this config instead of the checkpoint's config.json (e.g. with is_decoder set). */
  config?: BertConfig | BertConfigDict;
  /** Also return { missing_keys, unexpected_keys, mismatched_keys, error_msgs }. */
  output_loading_info?: boolean;
  /** Re-initialise weights whose checkpoint shape differs (e.g. a new classifier size) instead of failing. */
  ignore_mismatched_sizes?: boolean;
  /** Seed for newly initialised weights (default: the global generator, see `manual_seed`). */
  seed?: number;
  /** true: load safetensors only; false: pytorch_model.bin only; default: safetensors when present. */
  use_safetensors?: boolean;
  /** Do not print the loading messages (they are still returned with output_loading_info). */
  quiet?: boolean;
}

/** save_pretrained's options (Python's keyword arguments): max_shard_size, safe_serialization. */
export interface SavePretrainedOptions {
  /** Only safetensors is written (model.safetensors); kept for HF-compatible call sites. */
  safe_serialization?: boolean;
  /** Largest weights file: bytes or a size like "200MB" (default "5GB", as transformers); larger models are saved as
   * model-0000k-of-0000n.safetensors + model.safetensors.index.json. */
  max_shard_size?: number | string;
}

export type ModelClass<T> = { new (config: BertConfig): T; readonly name: string };

/**
 * What every BERT model shares (Python: `transformers.BertPreTrainedModel`): `from_pretrained` / `save_pretrained`, the callable forward `model(inputs)`, train() / eval(), the inference engine, quantize(), export_onnx().
 * @example
 * ```ts
 * const model = await AutoModelForMaskedLM.from_pretrained("bertlab/mini-bert-uncased"); model.eval()
 * ```
 */
export abstract class BertPreTrainedModel<O extends object = object> extends Module {
  static readonly base_model_prefix = "bert";
  readonly config: BertConfig;
  /** How the last from_pretrained went (also printed as HF's messages). */
  loading_info: LoadingInfo | null = null;
  /** Which engine ran the last forward ("onnx" or "tfjs"); null before the first. */
  last_engine: "onnx" | "tfjs" | null = null;
  /** Why the last forward ran on tfjs (e.g. "the model is in training mode"); null when ONNX ran it. */
  last_engine_reason: string | null = null;
  private _engine: EngineName | null = null;
  /** Dynamic int8 weights of this model's ONNX inference (set by `quantize()`); null: fp32. */
  quantization: ResolvedQuantize | null = null;

  constructor(config: BertConfig | BertConfigDict) {
    super();
    if (config === undefined || config === null) throw new Error(`${new.target.name}: a config (BertConfig or config keys) is required`);
    this.config = config instanceof BertConfig ? config : new BertConfig(config);
  }

  /** Creates the weights (HF init rules) unless deferred; subclasses call this last in their constructor. */
  protected post_init(): void {
    if (deferInit === 0) this.init_weights();
  }

  /** Creates every weight from HF's init rules: normal(0, initializer_range), zero bias, LayerNorm 1/0, zero padding row. */
  init_weights(seed?: number): this {
    this.materialize({ uid: next_uid(this.constructor.name), generator: seed === undefined ? undefined : new Generator(seed) });
    return this;
  }

  /**
   * The engine for this model's forward: "auto" (ONNX Runtime for plain eval-mode inference when
   * onnxruntime-node loads, else tfjs), "tfjs", or "onnx" (an error for calls it cannot run: training
   * mode, labels, caches, gradients...). Unset, it is the process default (BERTLAB_ENGINE, "auto").
   */
  get engine(): EngineName {
    return this._engine ?? default_engine();
  }

  set engine(value: EngineName | null) {
    this._engine = value === null || value === undefined ? null : check_engine_name(value, `${this.constructor.name}.engine`);
  }

  /**
   * Runs the model: on ONNX Runtime when the engine setting allows it (see `engine`), else on tfjs inside
   * one tf.tidy (intermediate tensors are freed). The caller owns the output record; its non-enumerable
   * `engine` property and `model.last_engine` say which engine ran.
   */
  forward<I extends BertInputs>(inputs: I): OutputFor<I, O> {
    check_input_keys(this.constructor.name, inputs);
    check_model_inputs(this.constructor.name, this.config, inputs as Record<string, unknown>); // before any engine: "auto" never falls back past a bad id
    check_forward_memory(this.constructor.name, this.config, inputs as Record<string, unknown>, this); // before any tensor is made
    if (!this.materialized) this.init_weights();
    const run = engine_forward(this, inputs as Record<string, unknown>);
    const out = (run.output ?? tf.tidy(() => this._forward(inputs) as unknown as tf.TensorContainer)) as unknown as O;
    this.last_engine = run.engine;
    this.last_engine_reason = run.reason;
    if (out && typeof out === "object") {
      Object.defineProperty(out, "engine", { value: this.last_engine, enumerable: false, configurable: true });
      set_output_display(out, `${this.constructor.name} output`);
    }
    return out as OutputFor<I, O>;
  }

  /**
   * Dynamic int8 quantization for inference, like PyTorch's `quantize_dynamic(model, {nn.Linear})`: the
   * ONNX forward (eval mode, engine "auto" or "onnx") then runs every dense layer on int8 weights —
   * per output channel by default — with activations quantized at run time (ORT's integer GEMM). The
   * model's own fp32 weights stay as they are: training, gradients and the tfjs engine use them, and
   * `save_pretrained` writes them. `model.quantize(null)` returns to fp32. Needs onnxruntime-node.
   *   model.quantize();                          // { dtype: "int8", per_channel: true, scheme: "auto" }
   *   model.quantize({ per_channel: false });    // one scale per weight matrix
   *   model.quantize({ scheme: "reduce_range" }); // 7-bit weights (what "auto" picks without VNNI; int8_cpu_info())
   */
  quantize(options: QuantizeOptions | null = {}): this {
    const q = resolveQuantize(options, `${this.constructor.name}.quantize`);
    if (q) loadOrt(); // a clear error now, rather than fp32 tfjs forwards later
    this.quantization = q;
    release_sync_engine(this); // sessions of the previous precision
    return this;
  }

  /**
   * Writes the ONNX graph of this model (the one the ONNX engine runs) to `file`, atomically: inputs
   * input_ids / attention_mask / token_type_ids (int64, dynamic batch and sequence), outputs with HF's
   * ONNX export names (last_hidden_state, pooler_output, logits, ...), standard opset-17 ops unless
   * `fused: true`. `quantize` defaults to the model's `quantization`. Does not need onnxruntime-node.
   *   model.export_onnx("out/model.onnx");
   *   model.export_onnx("out/model-int8.onnx", { quantize: { per_channel: true } });
   */
  export_onnx(file: string, options: ExportOnnxOptions = {}): ExportOnnxResult {
    if (!this.materialized) this.init_weights();
    return export_onnx(this, file, options);
  }

  /** Frees every variable, and the model's ONNX sessions if it ran on ONNX Runtime. */
  override dispose(): void {
    release_sync_engine(this);
    super.dispose();
  }

  protected abstract _forward(inputs: BertInputs): O;

  /**
   * Removes attention heads, as HF: `model.prune_heads({ 0: [1, 2], 1: [0] })`. The layers keep fewer
   * heads (query / key / value / output weights shrink), `config.pruned_heads` records them, and
   * save_pretrained / from_pretrained rebuild the pruned shapes. Outputs equal a head_mask zeroing them.
   */
  prune_heads(heads_to_prune: Record<number, number[]>): void {
    if (!this.materialized) this.init_weights();
    prune_heads(this, heads_to_prune);
  }

  /** The word embeddings (`bert.embeddings.word_embeddings`). */
  get_input_embeddings(): Embedding {
    return input_embeddings(this);
  }

  /** Copies an Embedding's (or a [vocab, hidden] tensor's) table into the word embeddings; a tied MLM decoder follows. */
  set_input_embeddings(value: Embedding | tf.Tensor): void {
    if (!this.materialized) this.init_weights();
    set_input_embeddings(this, value);
  }

  /** The MLM decoder (`cls.predictions.decoder`), or null for heads without one. */
  get_output_embeddings(): Module | null {
    return lm_predictions(this)?.decoder ?? null;
  }

  /**
   * HF 4.31's resize_token_embeddings (e.g. after `tokenizer.add_tokens`): old rows are kept, new rows
   * drawn from normal(0, config.initializer_range) (seed with `manual_seed`), the MLM decoder stays tied
   * (its bias zero-padded), and config.vocab_size is updated. Returns the word embeddings.
   */
  resize_token_embeddings(new_num_tokens?: number | null, pad_to_multiple_of?: number | null): Embedding {
    if (!this.materialized) this.init_weights();
    return resize_token_embeddings(this, new_num_tokens, pad_to_multiple_of);
  }

  /** The checkpoint names of parameters that are copies of others (left out of model.safetensors, as HF). */
  tied_weight_names(): string[] {
    return this.named_parameter_specs().filter((p) => p.spec.tied_to).map((p) => p.name);
  }

  /**
   * Loads config.json and weights (model.safetensors, a sharded index, or pytorch_model.bin) from a
   * folder or hub id. Prints HF's messages about missing / unused weights; new weights are
   * initialised with HF's rules. The model is returned in eval mode.
   */
  static async from_pretrained<T extends BertPreTrainedModel>(this: ModelClass<T>, id_or_path: string, options: FromPretrainedOptions & { output_loading_info: true }): Promise<[T, LoadingInfo]>;
  static async from_pretrained<T extends BertPreTrainedModel>(this: ModelClass<T>, id_or_path: string, options?: FromPretrainedOptions): Promise<T>;
  static async from_pretrained<T extends BertPreTrainedModel>(this: ModelClass<T>, id_or_path: string, options: FromPretrainedOptions = {}): Promise<T | [T, LoadingInfo]> {
    await ready();
    const { config: given, output_loading_info, ignore_mismatched_sizes, seed, quiet, use_safetensors, ...rest } = options;
    const { hub, rest: overrides } = split_hub_options(rest); // token, subfolder, progress... reach the hub
    // A local folder is read as one committed save (never a new config with old weights). The weights
    // files are opened (descriptors held) inside the check and read after it: a save that replaces them
    // later renames new files over the names, and the descriptors still read the pair that was checked.
    const folder = typeof hub.subfolder === "string" && hub.subfolder ? path.join(id_or_path, hub.subfolder) : id_or_path;
    const opened: { close(): void }[] = [];
    let model: T;
    let info: LoadingInfo;
    try {
      const [config, state, ident] = await read_dir_consistent(folder, async () => {
        let config: BertConfig;
        if (given instanceof BertConfig) config = Object.keys(overrides).length ? given.copy(overrides) : given;
        else if (given) config = new BertConfig(given).update(overrides);
        else config = await BertConfig.from_pretrained(id_or_path, { ...hub, ...overrides });
        const state = await load_checkpoint(id_or_path, { ...hub, use_safetensors });
        opened.push(state); // an attempt the check discards is closed too
        return [config, state, files_identity(state.files)] as const;
      });
      model = without_init(() => new this(config));
      info = apply_checkpoint(model, state, id_or_path, { ignore_mismatched_sizes, seed, quiet }); // reads each weight into its variable
      // every weight read from files unchanged since they were opened: the int8 graph cache may key on them
      const all_read = info.missing_keys.length === 0 && info.mismatched_keys.length === 0;
      if (ident && all_read && files_identity(state.files) === ident) record_weights_source(model, ident, model.state_dict());
    } finally {
      for (const s of opened) s.close();
    }
    model.loading_info = info;
    model.eval();
    return output_loading_info ? [model, info] : model;
  }

  /**
   * Writes config.json and model.safetensors (tied weights once, metadata format "pt"; sharded past
   * `max_shard_size`) all-or-nothing
   * (../../utils/atomic_dir.ts): a reader sees the old pair or the new pair, even if this process is
   * killed mid-save, and two processes saving into one folder take turns. Shards of an earlier sharded
   * save are deleted in the same commit, as HF's save_pretrained cleans them.
   */
  save_pretrained(dir: string, options: SavePretrainedOptions = {}): void {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
      throw new Error(`Provided path (${dir}) should be a directory, not a file`);
    }
    if (!this.materialized) this.init_weights();
    const config = this.config.copy({ architectures: [this.constructor.name], torch_dtype: "float32" });
    const tied = new Set(this.tied_weight_names());
    const tensors = new Map<string, TensorData>();
    for (const [name, v] of this.state_dict()) {
      if (tied.has(name)) continue;
      tensors.set(name, { dtype: "float32", shape: v.shape.slice(), data: v.dataSync() as Float32Array });
    }
    const weights = shard_safetensors(tensors, options.max_shard_size, { format: "pt" });
    write_files_atomic(dir, [{ name: "config.json", data: config.to_json_string() }, ...weights], { remove: stale_weight_files(dir, weights.map((f) => f.name)) });
  }
}
