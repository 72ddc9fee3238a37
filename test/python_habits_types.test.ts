// The PyTorch-style loop and Hugging Face's call forms as a tslab cell sees them: compiled by TypeScript 5.0 (tslab's own compiler) against
// bertlab's built .d.ts (`import ... from "bertlab"`), with tslab's options, plus strict mode.
// python_habits_ok.ts must compile; each line of python_habits_fail.ts must fail with a message saying what to write.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { BACKWARD_HINT, CUDA_HINT, NUMPY_HINT, ZERO_GRAD_HINT } from "../src/training/torch_habits";
import { BUILT, TYPES_DIR as DIR, diagnostics, ts } from "./helpers/ts50";

const skip = fs.existsSync(BUILT) ? false : "needs the build (npm run build): the fixtures import bertlab's dist .d.ts";

test("TS 5.0 compiles the PyTorch-style loop (closure step, compute_gradients, zero_grad, typed get_scheduler, item/tolist) and HF call forms (pipeline(task, { model }), tokenizer methods)", { skip }, () => {
  assert.equal(ts.version, "5.0.4");
  for (const strict of [false, true]) assert.deepEqual(diagnostics("python_habits_ok.ts", strict), [], `strict=${strict}`);
});

test("TS 5.0 rejects loss.backward(), .numpy(), .cuda(), .to('cuda'), model.cuda(), model.zero_grad() with what to write instead", { skip }, () => {
  const got = diagnostics("python_habits_fail.ts", false);
  const at = (line: number) => got.filter((d) => d.line === line).map((d) => d.text).join("\n");
  assert.equal(new Set(got.map((d) => d.line)).size, 7, JSON.stringify(got, null, 1));
  assert.ok(at(5).includes(BACKWARD_HINT), at(5));
  assert.ok(at(5).includes("optimizer.step(() => model(batch).loss)"));
  assert.ok(at(6).includes(NUMPY_HINT), at(6));
  assert.ok(at(7).includes(CUDA_HINT), at(7));
  assert.ok(at(8).includes(CUDA_HINT), at(8));
  assert.ok(at(10).includes(CUDA_HINT), at(10)); // model.cuda()
  assert.ok(at(11).includes(CUDA_HINT), at(11)); // model.to("cuda")
  assert.ok(at(12).includes(ZERO_GRAD_HINT), at(12)); // model.zero_grad()
});

test("TS 5.0 type-checks the README's ts blocks as one cell script (the training loop included)", { skip }, () => {
  const md = fs.readFileSync(path.join(__dirname, "../README.md"), "utf8");
  const lines = [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n").split("\n");
  const imports = lines.filter((l) => /^import .* from "bertlab";$/.test(l.trim()));
  const body = lines.filter((l) => !imports.includes(l));
  const file = `.readme-tour-${process.pid}.ts`;
  fs.writeFileSync(path.join(DIR, file), `${imports.join("\n")}\n(async () => {\n${body.join("\n")}\n})();\nexport {};\n`);
  try {
    assert.ok(body.some((l) => l.includes("optimizer.step(() => model(batch).loss)")), "the README shows the closure form");
    assert.deepEqual(diagnostics(file, false), []);
  } finally {
    fs.rmSync(path.join(DIR, file), { force: true });
  }
});
