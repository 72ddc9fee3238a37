// bertlab's public surface. Names follow Hugging Face transformers (and transformers.js) so a
// Python cell ports without a dictionary.
export { tf, ready, backend_info, set_backend } from "./backend";
export type { BackendInfo, BackendName } from "./backend";
export * from "./tokenizers";
export * from "./hub";
export * from "./models";
export * from "./engines";
export * from "./training";
export * from "./datasets";
export * from "./pipelines";
export * from "./explain";
export * from "../plots";
export * from "../kernel";
