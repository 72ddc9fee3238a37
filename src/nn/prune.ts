// prune_linear_layer as HF's pytorch_utils: keep the rows (dim 0, outputs) or columns (dim 1, inputs)
// of a Linear's weight listed in `index`; the bias follows the outputs. Works in place, on declared
// shapes before materialization and on the variables after.
import { tf } from "../backend";
import type { Linear } from "./linear";

export function prune_linear_layer(layer: Linear, index: number[], dim: 0 | 1 = 0): Linear {
  const materialized = layer.materialized;
  const [out_f, in_f] = [layer.out_features, layer.in_features];
  const keep = tf.tensor1d(index, "int32");
  try {
    if (materialized) {
      tf.tidy(() => {
        layer.replace_parameter("weight", tf.gather(layer.weight, keep, dim)); // [out', in] or [out, in']
        if (layer.has_bias && dim === 0) layer.replace_parameter("bias", tf.gather(layer.bias!, keep));
      });
    } else {
      layer.replace_parameter("weight", dim === 0 ? [index.length, in_f] : [out_f, index.length]);
      if (layer.has_bias && dim === 0) layer.replace_parameter("bias", [index.length]);
    }
  } finally {
    keep.dispose();
  }
  if (dim === 0) layer.out_features = index.length;
  else layer.in_features = index.length;
  return layer;
}
