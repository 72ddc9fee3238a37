// Whether tfjs is recording gradients right now (inside tf.grad / variableGrads / minimize).
import { tf } from "../backend";

interface EngineState {
  state: { gradientDepth: number; kernelDepth: number };
}

/** True inside a gradient scope: ops then need a differentiable path (no cached tensors in the graph). */
export function recordingGradients(): boolean {
  const s = (tf.engine() as unknown as EngineState).state;
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/** True on the wasm backend, where only plain 2-D matMul hits XNNPACK's fast path. */
export function onWasm(): boolean {
  return tf.getBackend() === "wasm";
}
