// config.hidden_act → ONNX nodes, with the same formulas as transformers' ACT2FN.
import { GraphBuilder } from "./graph";

export const ACTIVATIONS = ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "quick_gelu", "relu", "silu", "swish", "tanh", "sigmoid", "linear"] as const;

/** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) — gelu_new / gelu_pytorch_tanh. */
function geluTanh(g: GraphBuilder, x: string): string {
  const x3 = g.op("Mul", [g.op("Mul", [x, x]), x]);
  const inner = g.op("Mul", [g.op("Add", [x, g.op("Mul", [x3, g.constFloat(0.044715)])]), g.constFloat(Math.sqrt(2 / Math.PI))]);
  const t = g.op("Tanh", [inner]);
  return g.op("Mul", [g.op("Mul", [x, g.constFloat(0.5)]), g.op("Add", [t, g.constFloat(1)])], undefined, "gelu_new");
}

export function activation(g: GraphBuilder, x: string, act: string): string {
  switch (act) {
    case "gelu": {
      // exact gelu: 0.5·x·(1 + erf(x/√2)); ORT fuses this pattern into its Gelu kernel
      const e = g.op("Erf", [g.op("Div", [x, g.constFloat(Math.SQRT2)])]);
      return g.op("Mul", [g.op("Mul", [x, g.op("Add", [e, g.constFloat(1)])]), g.constFloat(0.5)], undefined, "gelu");
    }
    case "gelu_new":
    case "gelu_pytorch_tanh":
      return geluTanh(g, x);
    case "gelu_fast": {
      // 0.5·x·(1 + tanh(x·0.7978845608·(1 + 0.044715·x²)))
      const inner = g.op("Mul", [g.op("Mul", [x, g.constFloat(0.7978845608)]), g.op("Add", [g.op("Mul", [g.op("Mul", [x, x]), g.constFloat(0.044715)]), g.constFloat(1)])]);
      return g.op("Mul", [g.op("Mul", [x, g.constFloat(0.5)]), g.op("Add", [g.op("Tanh", [inner]), g.constFloat(1)])]);
    }
    case "quick_gelu":
      return g.op("Mul", [x, g.op("Sigmoid", [g.op("Mul", [x, g.constFloat(1.702)])])]);
    case "relu":
      return g.op("Relu", [x]);
    case "silu":
    case "swish":
      return g.op("Mul", [x, g.op("Sigmoid", [x])]);
    case "tanh":
      return g.op("Tanh", [x]);
    case "sigmoid":
      return g.op("Sigmoid", [x]);
    case "linear":
      return x;
    default:
      throw new Error(`config.hidden_act='${act}' is not supported by the ONNX engine; expected one of ${ACTIVATIONS.join(", ")}`);
  }
}
