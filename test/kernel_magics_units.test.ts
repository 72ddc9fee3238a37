// The arithmetic and text behind the kernel's magics, without a kernel: IPython's `_format_time`, `%time`'s report,
// `%timeit`'s TimeitResult and auto-chosen loop counts (Python's Timer.autorange), `%xmode`'s frame trimming, and
// the concise Python-style reprs of src/utils/repr.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeitResult, autorange, format_g, format_time, time_report } from "../kernel/ts/timing";
import { hidden_note, set_xmode, trim_frames, xmode } from "../kernel/ts/xmode";
import { optimizer_repr, pyfloat, pyrepr, pystr, tokenizer_repr } from "../src/utils/repr";

test("format_time reads like IPython's _format_time (3 significant digits, s / ms / µs / ns, minutes past 60 s)", () => {
  // values IPython 8 prints for the same timespans
  assert.equal(format_time(0.0015), "1.5 ms");
  assert.equal(format_time(2.5e-7), "250 ns");
  assert.equal(format_time(1.23456), "1.23 s");
  assert.equal(format_time(0.000999999), "1e+03 µs");
  assert.equal(format_time(4.56e-5), "45.6 µs");
  assert.equal(format_time(0), "0 ns");
  assert.equal(format_time(65), "1min 5s");
  assert.equal(format_time(3725.5), "1h 2min 5s");
  assert.equal(format_g(100, 3), "100");
  assert.equal(format_g(0.00001234, 3), "1.23e-05");
});

test("%time's report: CPU times user / sys / total, Wall time, and the compiler line only past 0.1 s", () => {
  assert.equal(time_report({ user: 0.002, sys: 0, wall: 0.0015 }), "CPU times: user 2 ms, sys: 0 ns, total: 2 ms\nWall time: 1.5 ms\n");
  assert.equal(time_report({ user: 1, sys: 0.5, wall: 2, compile: 0.25 }), "CPU times: user 1 s, sys: 500 ms, total: 1.5 s\nWall time: 2 s\nCompiler : 250 ms\n");
});

test("TimeitResult: per-loop mean ± population std. dev., IPython's wording, plurals and thousands separators", () => {
  const r = new TimeitResult(1000, 2, [1, 2]);
  assert.equal(String(r), "1.5 ms ± 500 µs per loop (mean ± std. dev. of 2 runs, 1,000 loops each)");
  assert.equal(String(new TimeitResult(1, 1, [0.25])), "250 ms ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)");
  // IPython warns when the slowest run took over 4× the fastest
  assert.match(new TimeitResult(10, 3, [0.001, 0.001, 0.01]).report(), /^The slowest run took 10\.00 times longer than the fastest\. This could mean that an intermediate result is being cached\.\n/);
  assert.doesNotMatch(new TimeitResult(10, 3, [0.001, 0.001, 0.002]).report(), /slowest/);
});

test("autorange grows loops 1, 2, 5, 10, 20, 50, … until one run takes ≥ 0.2 s", () => {
  const tried: number[] = [];
  const loops = autorange((n) => (tried.push(n), n * 0.001)); // 1 ms per loop
  assert.equal(loops, 200);
  assert.deepEqual(tried, [1, 2, 5, 10, 20, 50, 100, 200]);
  assert.equal(autorange(() => 0.3), 1);
});

const STACK = [
  "    at assert (/p/node_modules/@tensorflow/tfjs-core/dist/util_base.js:153:15)",
  "    at Object.matMul$1 [as kernelFunc] (/p/node_modules/@tensorflow/tfjs-backend-cpu/dist/kernels/BatchMatMul.js:40:5)",
  "    at kernelFunc (/p/node_modules/@tensorflow/tfjs-core/dist/engine.js:645:32)",
  "    at node:internal/process/task_queues:95:5",
  "    at matMul_ (/p/node_modules/@tensorflow/tfjs-core/dist/ops/mat_mul.js:60:19)",
  "    at Object.matMul (/p/node_modules/@tensorflow/tfjs-core/dist/ops/operation.js:51:29)",
  "    at In[4]:2:4",
  "    at Runtime.run (/p/dist/kernel/ts/runtime.js:120:10)",
];

test("%xmode: Context and Plain keep the cell frames and the library call's entry frame; Verbose all; Minimal none", () => {
  const before = xmode();
  try {
    assert.deepEqual(trim_frames(STACK, "Context"), [STACK[5], STACK[6]]);
    assert.deepEqual(trim_frames(STACK, "Plain"), [STACK[5], STACK[6]]);
    assert.deepEqual(trim_frames(STACK, "Verbose"), STACK.slice(0, 7), "every frame but the kernel's own");
    assert.deepEqual(trim_frames(STACK, "Minimal"), []);
    assert.equal(hidden_note(7, 2, "Context"), "  (5 library frames hidden; %xmode Verbose shows them)");
    // a function of an earlier cell called from this one: both cell frames stay, with bertlab's entry frame
    const nested = ["    at inner (/p/dist/src/models/x.js:3:3)", "    at BertModel.forward (/p/dist/src/models/bert.js:9:9)", "    at helper (In[2]:3:5)", "    at In[5]:1:1"];
    assert.deepEqual(trim_frames(nested, "Context"), nested.slice(1));
    // no cell frame at all (a callback): the library's own frames, not node_modules / node internals
    assert.deepEqual(trim_frames([STACK[0], "    at cb (/p/dist/src/training/trainer.js:5:5)", STACK[3]], "Context"), ["    at cb (/p/dist/src/training/trainer.js:5:5)"]);
    assert.equal(set_xmode("verbose"), "Verbose");
    assert.equal(set_xmode(), "Minimal", "no argument cycles, as IPython's %xmode");
    assert.throws(() => set_xmode("Loud"), /"Loud" is not a mode; expected one of Plain, Context, Verbose, Minimal/);
  } finally {
    set_xmode(before);
  }
});

test("Python reprs: floats, strings, values, torch's optimizer block and transformers' tokenizer line", () => {
  assert.deepEqual([pyfloat(5e-5), pyfloat(0.1), pyfloat(1e-8), pyfloat(2), pyfloat(0)], ["5e-05", "0.1", "1e-08", "2.0", "0.0"]);
  assert.equal(pystr("it's"), `"it's"`);
  assert.equal(pyrepr({ a: [1, true, null], b: "x" }), "{'a': [1, True, None], 'b': 'x'}");
  assert.equal(pyrepr(1e30), "1000000000000000019884624838656", "Python's int of transformers' VERY_LARGE_INTEGER");
  class AdamW {
    param_groups = [{ params: ["w"], lr: 5e-5, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false }];
  }
  assert.equal(optimizer_repr(new AdamW()), "AdamW (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    eps: 1e-08\n    lr: 5e-05\n    weight_decay: 0.0\n)");
  class BertTokenizerFast {
    name_or_path = "x";
    vocab_size = 5;
    model_max_length = 512;
    padding_side = "right";
    truncation_side = "left";
    clean_up_tokenization_spaces = true;
    additional_special_tokens: string[] = [];
    unk_token = "[UNK]";
    pad_token = "[PAD]";
    convert_tokens_to_ids(t: string) {
      return t === "[PAD]" ? 0 : 1;
    }
  }
  assert.equal(
    tokenizer_repr(new BertTokenizerFast()),
    "BertTokenizerFast(name_or_path='x', vocab_size=5, model_max_length=512, is_fast=True, padding_side='right', truncation_side='left', special_tokens={'unk_token': '[UNK]', 'pad_token': '[PAD]'}, clean_up_tokenization_spaces=True),  added_tokens_decoder={\n" +
      '\t0: AddedToken("[PAD]", rstrip=False, lstrip=False, single_word=False, normalized=False, special=True),\n' +
      '\t1: AddedToken("[UNK]", rstrip=False, lstrip=False, single_word=False, normalized=False, special=True),\n}',
  );
});
