// Instances that can be called like functions, as Python tokenizers and models are
// (`tokenizer(text)`, `model(inputs)`). The constructor returns a function whose prototype is the
// instance's class, so methods, fields and `instanceof` all work; calling it runs `_call`.
export abstract class Callable<Args extends unknown[], R> {
  constructor() {
    const fn = function (this: unknown, ...args: Args): R {
      return (fn as unknown as Callable<Args, R>)._call(...args);
    };
    Object.setPrototypeOf(fn, new.target.prototype);
    return fn as unknown as Callable<Args, R>;
  }
  protected abstract _call(...args: Args): R;
}

/** The call signature a Callable subclass exposes; merge it into the class with an interface. */
export type CallSignature<Args extends unknown[], R> = (...args: Args) => R;
