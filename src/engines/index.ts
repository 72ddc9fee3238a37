// Inference engines beside tfjs: the ONNX Runtime engine (onnxruntime-node, optional).
export * from "./onnx";
