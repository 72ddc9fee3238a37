// Type-level helpers that let a pipeline call's return type follow its arguments, as Python's value does
// (one input → one result, a batch → an array; `top_k` / `aggregation_strategy` choose the shape). The options
// that decide are read from the call (`O`) first, then from the options the pipeline was made with (`D`).
// Types only: nothing here exists at run time.

/** `O[K]` when the call's options name `K`, else `F`. */
export type KeyOr<O, K extends string, F> = K extends keyof O ? O[K] : F;

/** The option `K` as a call sees it: from the call's options, else the pipeline's defaults, else undefined. */
export type OptionOf<O, D, K extends string> = KeyOr<O, K, KeyOr<D, K, undefined>>;

/**
 * Python's rule for a list input where a list of one gives that one's result (fill-mask, question answering):
 * an array written out (a tuple type) maps element by element; an array whose length the type cannot say may
 * give either.
 */
export type ListResult<T extends readonly unknown[], R> = number extends T["length"] ? R[] | R : T extends readonly [unknown] ? R : { -readonly [K in keyof T]: R };
