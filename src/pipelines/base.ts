// Pipeline: what every task pipeline shares, as in transformers / transformers.js. A pipeline holds a
// model and its tokenizer and is callable (`await pipe(inputs, options)`); a call resolves its options
// (those given to `pipeline(...)` are the defaults), then runs preprocess → model → postprocess per input
// (one forward per input or window, like Python's batch_size 1). Model outputs are copied to plain
// arrays and every tensor is freed before postprocessing, so postprocess functions are pure.
import { ready } from "../backend";
import { dispose_output } from "../models/bert/outputs";
import { check_memory, forward_peak_bytes } from "../models/bert/memory";
import type { BertPreTrainedModel } from "../models/bert/pretrained";
import type { BertInputs } from "../models/bert/inputs";
import type { PreTrainedTokenizer } from "../tokenizers/tokenization_utils";
import { Callable } from "../utils/callable";

/** transformers' PipelineException: a task-specific input error (`task`, `model` as in Python). */
export class PipelineException extends Error {
  constructor(readonly task: string, readonly model: string, message: string) {
    super(message);
    this.name = "PipelineException";
  }
}

/** Where pipelines send warnings (Python's warnings.warn / logger.warning); replaceable for tests. */
export const pipeline_warnings = {
  handler: (message: string): void => console.warn(message),
};

export function warn(message: string): void {
  pipeline_warnings.handler(message);
}

/** One encoded row as the tokenizer returns it for a single text (plain arrays). */
export interface EncodedRowInputs {
  input_ids: number[];
  token_type_ids?: number[];
  attention_mask?: number[];
}

/** Checks a batch_size option (default 1: one forward per input or window, as Python's default). */
export function batch_size_of(task: string, v: unknown): number {
  if (v === undefined || v === null) return 1;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new TypeError(`${task}: batch_size must be an integer >= 1, got ${typeof v === "number" ? v : JSON.stringify(v)}`);
  return v;
}

/**
 * What every task pipeline shares (Python: `transformers.Pipeline`): the model, the tokenizer, call defaults; call it with inputs and options.
 * @example
 * ```ts
 * const pipe = await pipeline("fill-mask", "bertlab/mini-bert-uncased"); pipe.model; pipe.tokenizer
 * ```
 */
export abstract class Pipeline<Options extends object = object> extends Callable<unknown[], Promise<unknown>> {
  readonly task: string;
  readonly model: BertPreTrainedModel;
  readonly tokenizer: PreTrainedTokenizer;
  /** Options given when the pipeline was made: defaults for every call. */
  readonly defaults: Options;

  constructor(task: string, model: BertPreTrainedModel, tokenizer: PreTrainedTokenizer, defaults: Options) {
    super();
    this.task = task;
    this.model = model;
    this.tokenizer = tokenizer;
    this.defaults = defaults;
  }

  /** The call options merged over the pipeline's defaults (keys explicitly set to undefined are dropped). */
  protected merged(options: Options | undefined, fn: string): Options {
    if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
      throw new TypeError(`${fn}: options must be an object like { top_k: 3 }, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
    }
    const out: Record<string, unknown> = { ...(this.defaults as Record<string, unknown>) };
    for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) out[k] = v;
    return out as Options;
  }

  /**
   * Runs the model on encoded rows, `batch_size` rows per forward (right-padded to the longest row of the batch,
   * with attention_mask 0 on the padding), and hands each row's slice of the output to `read(output, b, length, index)`
   * (`b`: the row in the batch, `length`: its unpadded length, `index`: the row in `rows`), which copies what it needs into plain arrays.
   * Every output tensor is freed afterwards.
   */
  protected forward_rows<T>(rows: EncodedRowInputs[], batch_size: number, read: (output: Record<string, unknown>, b: number, length: number, index: number) => T): T[] {
    const out: T[] = [];
    this.check_rows_memory(rows, batch_size);
    for (let i = 0; i < rows.length; i += batch_size) {
      const group = rows.slice(i, i + batch_size);
      const len = Math.max(...group.map((r) => r.input_ids.length));
      const padded = group.some((r) => r.input_ids.length !== len);
      const pad = this.tokenizer.pad_token_id;
      if (padded && pad === null) throw new Error(`${this.task}: batch_size ${batch_size} needs padding, but the tokenizer has no pad_token; use batch_size 1`);
      const fill = (v: number[], value: number): number[] => (v.length === len ? v : v.concat(new Array<number>(len - v.length).fill(value)));
      const inputs: Record<string, number[][]> = {};
      for (const name of this.tokenizer.model_input_names) {
        if (!group.every((r) => (r as unknown as Record<string, unknown>)[name])) continue;
        const value = name === "input_ids" ? pad ?? 0 : name === "token_type_ids" ? this.tokenizer.pad_token_type_id : 0;
        inputs[name] = group.map((r) => fill((r as unknown as Record<string, number[]>)[name], value));
      }
      if (padded && !inputs.attention_mask) inputs.attention_mask = group.map((r) => fill(new Array<number>(r.input_ids.length).fill(1), 0));
      const output = this.model.forward(inputs as BertInputs) as Record<string, unknown>;
      try {
        group.forEach((r, b) => out.push(read(output, b, r.input_ids.length, i + b)));
      } finally {
        dispose_output(output);
      }
    }
    return out;
  }

  /** Refuses, before the first forward, a run whose largest batch would not fit the memory budget (see memory_budget). */
  private check_rows_memory(rows: EncodedRowInputs[], batch_size: number): void {
    let worst = 0;
    let at = { batch: 0, seq: 0 };
    for (let i = 0; i < rows.length; i += batch_size) {
      const group = rows.slice(i, i + batch_size);
      const seq = Math.max(...group.map((r) => r.input_ids.length));
      const bytes = forward_peak_bytes(this.model.config, this.model.constructor.name, { batch: group.length, seq });
      if (bytes > worst) [worst, at] = [bytes, { batch: group.length, seq }];
    }
    check_memory(this.task, worst, `a batch of ${at.batch} inputs of ${at.seq} tokens; reduce it with a smaller batch_size or max_length`);
  }

  /** Makes sure a tfjs backend is selected (from_pretrained does it; a model built by hand may not have). */
  protected async ensure_ready(): Promise<void> {
    await ready();
  }

  /** Printed as the pipeline's task, model class and tokenizer source (a callable would print as a function). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const from = this.tokenizer.name_or_path ? ` '${this.tokenizer.name_or_path}'` : "";
    return `${this.constructor.name} { task: '${this.task}', model: ${this.model.constructor.name}${this.model.config._name_or_path ? ` '${this.model.config._name_or_path}'` : ""}, tokenizer: ${this.tokenizer.constructor.name}${from} }`;
  }

  /** Frees the model's weights. The pipeline cannot be used afterwards. */
  dispose(): void {
    this.model.dispose();
  }
}
