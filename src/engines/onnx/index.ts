export { OnnxBertEngine, engine_for, release_engine, outputs_to_tensors, weights_from_tensors } from "./engine";
export type { OutputTensor, EngineOutputs, EngineInputs, RunOptions, CreateOptions, IdsLike, ModelLike } from "./engine";
export { buildBertGraph, ARCHITECTURES } from "./bert_graph";
export type { Architecture, GraphFlags, BuiltGraph } from "./bert_graph";
export type { EngineBertConfig, WeightsLike } from "./config";
export { onnx_available, loadOrt, cores } from "./runtime";
export type { SessionSettings } from "./runtime";
