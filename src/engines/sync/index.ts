// The synchronous ONNX bridge: model.forward on onnxruntime-node through a worker thread.
export { engine_forward, choose_engine, with_engine, engine_setting, sync_unsupported_reason, release_sync_engine, has_sync_engine } from "./forward";
export type { SyncModel, EngineChoice } from "./forward";
export { engine_info, default_engine, set_default_engine, check_engine_name, onnx_unavailable_reason, ENGINES } from "./settings";
export type { EngineInfo } from "./settings";
export { SyncOnnxBridge, sync_bridge } from "./bridge";
export type { BridgeOutput, BridgeOptions } from "./bridge";
