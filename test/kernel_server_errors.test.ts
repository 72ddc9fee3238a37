// No error a cell can cause ends the kernel, on every backend this machine has (wasm, cpu; tfjs-node is not
// installable here — its libtensorflow download fails — so it has no case) and with ONNX Runtime loaded:
// after a model is loaded (on wasm: after emscripten's glue has added its re-throwing uncaughtException /
// unhandledRejection handlers, which used to abort the process with SIGABRT), an unawaited rejected promise and
// a throw inside a timer are reported in the running cell's stderr — or, when they come while no cell runs, at
// the top of the next cell's output, marked as late — and the next cell still sees the earlier names.
// Cells import "bertlab" from the build: run `npm run build` first.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { KernelClient } from "../kernel/client";
import type { Message } from "../kernel/messaging";

const ROOT = path.join(__dirname, "..");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-errors-"));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

async function run(k: KernelClient, code: string) {
  const msgs: Message[] = [];
  const reply = await k.execute(code, (m) => msgs.push(m), 240_000);
  const text = (name: string) => msgs.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => m.content.text).join("");
  return { reply, stdout: text("stdout"), stderr: strip(text("stderr")), result: msgs.find((m) => m.header.msg_type === "execute_result")?.content };
}

const onnx_installed = (() => {
  try {
    require.resolve("onnxruntime-node");
    return true;
  } catch {
    return false;
  }
})();

for (const backend of ["wasm", "cpu"] as const) {
  test(`${backend}: with a model loaded${backend === "wasm" && onnx_installed ? " and ONNX Runtime" : ""}, unawaited rejections and throws in timers are reported and the kernel keeps its names`, { timeout: 300_000 }, async () => {
    const env = { ...process.env, BERTLAB_BACKEND: backend, BERTLAB_HISTORY_FILE: path.join(home, `${backend}.jsonl`), HF_HUB_OFFLINE: "1" };
    const k = await KernelClient.start({ cwd: ROOT, env, startup_timeout_ms: 120_000 });
    try {
      const load = await run(k, `
import { BertForMaskedLM, backend_info, ready, tf } from "bertlab";
const model = await BertForMaskedLM.from_pretrained(${JSON.stringify(path.join(ROOT, "models", "mini-bert-uncased"))}, { quiet: true });
const kept = 41;
const held = tf.tensor([1, 2, 3]);
${backend === "wasm" && onnx_installed ? 'const ort = require("onnxruntime-node"); typeof ort.InferenceSession;' : ""}
await ready();
backend_info()?.name`);
      assert.equal(load.reply.status, "ok", JSON.stringify(load.reply.content));
      assert.equal(load.result?.data["text/plain"], `'${backend}'`);
      if (backend === "wasm") {
        const handlers = await run(k, 'process.listeners("unhandledRejection").length + process.listeners("uncaughtException").length');
        assert.ok(Number(handlers.result?.data["text/plain"]) >= 4, "emscripten's handlers are installed (and contained)");
      }

      const rejected = await run(k, 'Promise.reject(new Error("stray-reject")); "after"');
      assert.equal(rejected.reply.status, "ok");
      assert.match(rejected.stderr, /Unhandled promise rejection \(the kernel keeps running\): Error: stray-reject/);

      const timer = await run(k, 'setTimeout(() => { throw new Error("stray-timer"); }, 10);\nawait new Promise((r) => setTimeout(r, 300));');
      assert.equal(timer.reply.status, "ok");
      assert.match(timer.stderr, /Uncaught exception \(the kernel keeps running\): Error: stray-timer/);

      const late = await run(k, 'setTimeout(() => { throw new Error("late-timer"); }, 100);\nsetTimeout(() => Promise.reject("late-reject"), 150);');
      assert.equal(late.reply.status, "ok");
      await sleep(800);
      const next = await run(k, "kept + 1");
      assert.equal(next.result?.data["text/plain"], "42", "the next cell sees the earlier names");
      assert.match(next.stderr, new RegExp(`\\[late: raised after In\\[${late.reply.execution_count}\\] finished\\] Uncaught exception \\(the kernel keeps running\\): Error: late-timer`));
      assert.match(next.stderr, /\[late: raised after In\[\d+\] finished\] Unhandled promise rejection \(the kernel keeps running\): late-reject/);

      // the backend and the user's tensors are intact
      const still = await run(k, 'const out = model({ input_ids: tf.tensor2d([[2, 1037, 3]], undefined, "int32") });\n[Array.from(held.dataSync()), out.logits.shape.length]');
      assert.equal(still.reply.status, "ok", JSON.stringify(still.reply.content));
      assert.equal(strip(String(still.result?.data["text/plain"])).replace(/\s+/g, " "), "[ [ 1, 2, 3 ], 3 ]");
      assert.ok(k.alive);
      assert.ok(await k.heartbeat());
    } finally {
      await k.shutdown();
    }
  });
}

test("StrayErrors contains foreign handlers (emscripten's re-throwing ones), keeps once / removeListener working, marks late errors", () => {
  // in a plain child process: node:test's own unhandledRejection handlers would fail this test
  const script = `
const { StrayErrors } = require(${JSON.stringify(path.join(ROOT, "dist", "kernel", "server", "stray_errors.js"))});
const seen = [], log = [];
const before = process.listeners("unhandledRejection").length;
const s = new StrayErrors({ write_cell: (t) => seen.push(t), log: (l) => log.push(l) }).install();
s.cell_started(3);
let once = 0;
process.once("unhandledRejection", () => { once++; throw new Error("handler threw"); });
const rethrow = (r) => { throw r; }; // what emscripten's glue does
process.on("unhandledRejection", rethrow);
process.on("uncaughtException", (e) => { if (!(e instanceof RangeError)) throw e; });
Promise.reject(new Error("first"));
setTimeout(() => {
  s.cell_finished();
  Promise.reject(new Error("while idle"));
  setTimeout(() => { throw new TypeError("timer"); }, 5);
  setTimeout(() => {
    process.removeListener("unhandledRejection", rethrow);
    s.cell_started(4);
    console.log(JSON.stringify({ once, left: process.listeners("unhandledRejection").length - before, seen: seen.map((t) => t.split("\\n")[0]), contained: log.filter((l) => /contained/.test(l)).length }));
  }, 40);
}, 20);
`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.once, 1, "a once handler runs once");
  assert.equal(out.left, 1, "removeListener removed the wrapped handler (the kernel's own stays)");
  assert.deepEqual(out.seen, [
    "Unhandled promise rejection (the kernel keeps running): Error: first",
    "Unhandled promise rejection (the kernel keeps running): Error: handler threw",
    "[late: raised after In[3] finished] Unhandled promise rejection (the kernel keeps running): Error: while idle",
    "[late: raised after In[3] finished] Uncaught exception (the kernel keeps running): TypeError: timer",
  ]);
  assert.ok(out.contained >= 2, "the handlers' throws were contained and logged");
});
