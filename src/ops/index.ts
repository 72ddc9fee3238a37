// The few tensor primitives BERT spends its time in. Models call these instead of tf.matMul
// directly, so the fast paths for each backend (2-D matmuls on wasm, explicit transposes,
// batched attention products) live in one place.
export { linear } from "./linear";
export { bmm, set_bmm_slice_limit } from "./bmm";
export { set_linear_cache, clear_linear_cache, linear_cache_size } from "./transpose_cache";
export { filled_tensor } from "./filled";
