// Seedable random numbers for weight init and dropout: bertlab's one Generator (src/utils/random.ts)
// and a global default stream, like torch.manual_seed. Deterministic across backends: init values
// are made in JavaScript, not by a tfjs kernel.
import { Generator } from "../utils/random";

export { Generator } from "../utils/random";

/** The default generator used by weight init and dropout when none is given. */
export const default_generator = new Generator(0);

/** Seeds the default generator (init of new weights, dropout masks), like torch.manual_seed. */
export function manual_seed(seed: number): void {
  default_generator.manual_seed(seed);
}
