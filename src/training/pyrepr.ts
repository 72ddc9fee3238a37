// Python's repr() of a float, so error messages copied from upstream read the same
// (`lr_end (2.0) must be ...`, `1e-07`), not JavaScript's `2` / `1e-7`. It lives with the other Python reprs in
// src/utils/repr.ts.
export { pyfloat } from "../utils/repr";
