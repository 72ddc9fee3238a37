// CI-fast parameters for the shipped notebooks (their defaults are for a real run), for tests that run them all
// as a user would — `-p NAME=value` on `bertlab run`. Outputs the notebooks write go under `out_dir`.
// (test/notebooks.test.ts keeps the same values in its own table, next to its golden checks.)
import * as path from "node:path";
import type { ParameterValue } from "../../kernel/notebook";

export function fast_parameters(out_dir: string): Record<string, Array<[string, ParameterValue]>> {
  return {
    "01-bert-heads-walkthrough": [],
    "02-lr-schedules": [["NUM_TRAINING_STEPS", 200], ["NUM_WARMUP_STEPS", 20], ["LIVE_STEPS", 40]],
    "03-attention-maps": [],
    "04-pretrain-mini-bert": [
      ["HIDDEN_SIZE", 32], ["NUM_HIDDEN_LAYERS", 1], ["INTERMEDIATE_SIZE", 64], ["BLOCK_SIZE", 32], ["MAX_DOCUMENTS", 3],
      ["MAX_STEPS", 4], ["BATCH_SIZE", 4], ["LOGGING_STEPS", 2], ["EVAL_EXAMPLES", 8], ["OUTPUT_DIR", path.join(out_dir, "04-pretrain-mini-bert")],
    ],
    "05-finetune-classifier": [
      ["MAX_STEPS", 4], ["BATCH_SIZE", 8], ["MAX_LENGTH", 32], ["TRAIN_LIMIT", 64], ["TEST_LIMIT", 32], ["LOGGING_STEPS", 2],
      ["OUTPUT_DIR", path.join(out_dir, "05-finetune-classifier")],
    ],
    "06-explain": [["N_STEPS", 20], ["INTERNAL_BATCH_SIZE", 10], ["IMPORTANCE_EXAMPLES", 8], ["BATCH_SIZE", 4]],
  };
}

/** `bertlab run`'s `-p NAME=JSON` arguments for `params`. */
export function parameter_args(params: Array<[string, ParameterValue]>): string[] {
  return params.flatMap(([name, value]) => ["-p", `${name}=${JSON.stringify(value)}`]);
}
