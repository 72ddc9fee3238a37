// Training's view of bertlab's generator (src/utils/random.ts): the default stream that collators,
// NSP pairing and the Trainer draw from, and HF's `set_seed`.
import { manual_seed as nn_manual_seed } from "../nn/random";
import { Generator } from "../utils/random";

export { Generator } from "../utils/random";
export type { GeneratorState } from "../utils/random";

/** The process-wide generator collators and the Trainer use unless given their own (torch.default_generator). */
export const default_generator = new Generator(42);

/**
 * HF `set_seed(seed)`: reseeds bertlab's default generator (masking, pairing) and the model library's
 * generator (dropout, weight init; `manual_seed`). tfjs itself has no global seed to set.
 */
export function set_seed(seed: number): void {
  default_generator.manual_seed(seed);
  nn_manual_seed(seed);
}
