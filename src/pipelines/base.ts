// Pipeline: what every task pipeline shares, as in transformers / transformers.js. A pipeline holds a
// model and its tokenizer and is callable (`await pipe(inputs, options)`); a call resolves its options
// (those given to `pipeline(...)` are the defaults), then runs preprocess → model → postprocess per input
// (one forward per input or window, like Python's batch_size 1). Model outputs are copied to plain
// arrays and every tensor is freed before postprocessing, so postprocess functions are pure.
import { ready } from "../backend";
import { dispose_output } from "../models/bert/outputs";
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
   * Runs the model on one encoded row (as a batch of 1) and hands its output record to `read`, which copies
   * what it needs into plain arrays; the output tensors are freed afterwards.
   */
  protected forward_row<T>(row: EncodedRowInputs, read: (output: Record<string, unknown>) => T): T {
    const inputs: Record<string, number[][]> = {};
    for (const name of this.tokenizer.model_input_names) {
      const v = (row as unknown as Record<string, number[] | undefined>)[name];
      if (v) inputs[name] = [v];
    }
    const output = this.model.forward(inputs as BertInputs) as Record<string, unknown>;
    try {
      return read(output);
    } finally {
      dispose_output(output);
    }
  }

  /** Makes sure a tfjs backend is selected (from_pretrained does it; a model built by hand may not have). */
  protected async ensure_ready(): Promise<void> {
    await ready();
  }

  /** Frees the model's weights. The pipeline cannot be used afterwards. */
  dispose(): void {
    this.model.dispose();
  }
}
