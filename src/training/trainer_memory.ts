// What the Trainer tells the model's memory check about its step (src/models/bert/memory.ts): the parameters it
// differentiates, whether the optimizer's state exists yet, the gradient copies it holds at the update
// (accumulated, clipped), and its options that reduce a step — so a step that cannot fit is refused before it
// allocates, naming per_device_train_batch_size / gradient_accumulation_steps and max_length.
import type { tf } from "../backend";
import { parameter_sizes, type TrainingStepContext } from "../models/bert/memory";
import type { TrainingArguments } from "./training_args";

/** The Trainer's step context: its parameters and options (see with_training_step). */
export function training_step_context(args: TrainingArguments, vars: tf.Variable[], optimizer: { has_state(): boolean } | null | undefined): TrainingStepContext {
  const bs = args.per_device_train_batch_size;
  const gas = args.gradient_accumulation_steps;
  return {
    fn: "Trainer.training_step",
    ...parameter_sizes(vars),
    optimizer_state: optimizer?.has_state() ?? false,
    gradient_copies: (gas > 1 ? 1 : 0) + (args.max_grad_norm > 0 ? 1 : 0),
    reduce: (batch, seq) => [
      bs > 1
        ? `per_device_train_batch_size ${bs} → ${Math.ceil(bs / 2)} with gradient_accumulation_steps ${gas} → ${gas * 2} (the same effective batch of ${bs * gas})`
        : `a smaller model (per_device_train_batch_size is already 1; batch ${batch})`,
      `max_length (${seq} tokens per sequence: tokenize with truncation: true and a smaller max_length)`,
    ],
  };
}
