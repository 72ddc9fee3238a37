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
