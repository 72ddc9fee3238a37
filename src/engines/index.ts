// Inference engines beside tfjs: the ONNX Runtime engine (onnxruntime-node, optional).
export * from "./onnx";
export { enable_wasm_threads, wasm_threads_status } from "./wasm_threads";
export type { WasmThreadsStatus } from "./wasm_threads";
export { forward_with_engine, onnx_unsupported_reason } from "./switch";
export type { EngineName, EngineCallOptions, SwitchableModel } from "./switch";
export * from "./sync";
