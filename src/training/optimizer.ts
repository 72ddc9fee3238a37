// torch.optim.Optimizer's loop on a tf.Optimizer. tfjs has no tape on tensors (no `loss.backward()`), so
// the loss is given as a closure and the optimizer differentiates it:
//   const loss = optimizer.step(() => model(batch).loss);              // torch's closure form: one whole step
//   optimizer.zero_grad();                                              // the two-step form
//   const { loss, grads } = optimizer.compute_gradients(() => model(batch).loss);   // ≈ loss.backward()
//   clip_grad_norm_(grads, 1.0);                                        // inspect / clip / accumulate
//   optimizer.step();                                                   // applies optimizer.grads
// `optimizer.grads` is torch's `p.grad` for every parameter: compute_gradients adds into it (so several calls
// accumulate), zero_grad() frees it. The losses returned belong to the user, as in PyTorch: they stay alive
// (`loss.item()` before and after zero_grad(), `losses.push(loss)`) until the user disposes or drops them, and
// each step releases the backend memory of the losses handed out before (their values stay in the tensor objects
// and come back on use, ./user_owned.ts), so a loop with no disposal code is flat in memory.
import { tf } from "../backend";
import { hand_over, release_handed_over } from "./user_owned";
import { parameter_sizes, with_training_step } from "../models/bert/memory";

/** What a loss closure may return: the loss (a one-element tensor), or model outputs that carry a `loss`. */
export type LossClosure = () => tf.Tensor | { loss?: tf.Tensor | null } | null | undefined;

/** `compute_gradients`' result: the loss of this call and the accumulated gradients (both owned by the optimizer). */
export interface ComputedGradients {
  /** This call's loss: yours (alive until you dispose or drop it). */
  loss: tf.Scalar;
  /** optimizer.grads: every parameter's gradient summed since the last zero_grad(), keyed by variable name. */
  grads: tf.NamedTensorMap;
}

function lossOf(out: ReturnType<LossClosure>, where: string): tf.Scalar {
  let loss: unknown = out;
  if (!(out instanceof tf.Tensor)) {
    if (out === null || out === undefined) throw new Error(`${where}: the closure returned ${out}; return the loss, e.g. () => model(batch).loss (a model returns a loss only when the batch has labels)`);
    if (typeof out !== "object") throw new Error(`${where}: the closure must return the loss (a scalar tensor) or model outputs with a loss, got ${typeof out}`);
    loss = out.loss;
    if (!(loss instanceof tf.Tensor)) {
      throw new Error(
        `${where}: the closure returned outputs without a loss (keys: ${Object.keys(out).join(", ")}); ` +
          "pass labels to the model (model({ ...batch, labels })) or return a scalar loss you computed",
      );
    }
  }
  const t = loss as tf.Tensor;
  if (t.size !== 1) throw new Error(`${where}: grad can be implicitly created only for scalar outputs (the loss has shape [${t.shape}]); reduce it first, e.g. tf.mean(loss)`);
  return (t.rank === 0 ? t : t.reshape([])) as tf.Scalar;
}

/** torch.optim.Optimizer's API (step / zero_grad / the gradient buffer) over tfjs autodiff. Subclassed by AdamW. */
export abstract class Optimizer extends tf.Optimizer {
  /** torch's `p.grad` of every parameter, keyed by tf.Variable name; summed by compute_gradients, cleared by zero_grad. */
  grads: tf.NamedTensorMap = {};

  /** The variables to differentiate: the param groups' variables, or undefined for every trainable variable. */
  protected abstract parameters(): tf.Variable[] | undefined;

  /** Whether the per-parameter state (e.g. AdamW's moments) exists already; the memory check counts it otherwise. */
  has_state(): boolean {
    return false;
  }

  /** torch's `optimizer.zero_grad()`: frees the accumulated gradients (the losses you hold stay alive). */
  zero_grad(): void {
    tf.dispose(Object.values(this.grads).filter((g): g is tf.Tensor => g != null));
    this.grads = {};
  }

  /**
   * `loss.backward()` for a loss given as a closure: runs it, adds d loss / d parameter into `optimizer.grads`
   * (so calls accumulate, as backward does, until zero_grad()), and returns this call's loss and the gradients.
   */
  compute_gradients(closure: LossClosure): ComputedGradients {
    const where = `${this.getClassName()}.compute_gradients`;
    if (typeof closure !== "function") throw new TypeError(`${where}: expected a closure returning the loss, e.g. () => model(batch).loss; got ${typeof closure}`);
    release_handed_over();
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      // the model's forward sizes the whole step (forward, backward, this optimizer's update) before it allocates
      const params = this.parameters();
      const sizes = parameter_sizes(params ?? Object.values(tf.engine().registeredVariables).filter((v) => v.trainable));
      const context = { fn: where, ...sizes, optimizer_state: this.has_state(), gradient_copies: Object.keys(this.grads).length > 0 ? 1 : 0 };
      result = with_training_step(context, () => tf.variableGrads(() => lossOf(closure(), where), params));
    } catch (e) {
      const msg = (e as Error).message;
      if (!msg.startsWith("Cannot find a connection")) throw e;
      throw new Error(`${where}: the loss does not depend on any parameter this optimizer updates (${msg})`);
    }
    for (const [name, g] of Object.entries(result.grads)) {
      if (g == null) continue;
      const prev = this.grads[name];
      this.grads[name] = tf.keep(prev ? tf.add(prev, g) : g);
      if (prev) {
        prev.dispose();
        g.dispose();
      }
    }
    const loss = hand_over(tf.keep(result.value));
    return { loss, grads: this.grads };
  }

  /**
   * torch's `optimizer.step`. With a closure: one whole step — zero_grad(), compute_gradients(closure), update —
   * returning the loss (as torch's closure that zeroes and back-propagates; the loss is yours: alive until you
   * dispose or drop it). Without arguments: updates from the
   * accumulated `optimizer.grads`. With a gradients map (e.g. clipped copies you own): updates from those.
   */
  step(closure: LossClosure): tf.Scalar;
  step(grads?: tf.NamedTensorMap): void;
  step(arg?: LossClosure | tf.NamedTensorMap): tf.Scalar | void {
    if (typeof arg === "function") {
      this.zero_grad();
      const { loss } = this.compute_gradients(arg);
      this.applyGradients(this.grads);
      return loss;
    }
    if (arg === undefined) {
      if (Object.keys(this.grads).length === 0) {
        throw new Error(
          `${this.getClassName()}.step(): there are no gradients; compute them first with ` +
            "optimizer.compute_gradients(() => model(batch).loss), or pass the loss closure: optimizer.step(() => model(batch).loss)",
        );
      }
      this.applyGradients(this.grads);
      return;
    }
    if (arg === null || typeof arg !== "object") throw new TypeError(`${this.getClassName()}.step: expected a loss closure or a gradients map, got ${arg === null ? "null" : typeof arg}`);
    this.applyGradients(arg);
  }

  override dispose(): void {
    this.zero_grad();
  }
}
