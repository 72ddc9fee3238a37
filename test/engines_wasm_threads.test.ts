// The opt-in wasm threads shim (src/engines/wasm_threads.ts), run in child processes because it must
// act before the wasm backend initialises. The child must also exit on its own (pool workers unref'd).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";

const CHILD = path.join(__dirname, "fixtures", "engines", "wasm_threads_child.ts");

function runChild(threads: number): { enabled: boolean; backend: string; status: { requested: number; active: number; reason: string }; maxDiff: number; late: boolean; lateReason: string } {
  const env = { ...process.env, BERTLAB_BACKEND: "wasm" };
  const r = spawnSync(process.execPath, ["--import", "tsx", CHILD, String(threads)], { encoding: "utf8", env, timeout: 60_000 });
  assert.equal(r.error, undefined, `child did not finish: ${r.error?.message}`);
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  assert.ok(line, `no result from the child: ${r.stdout} ${r.stderr}`);
  return JSON.parse(line);
}

test("wasm threads shim: 2 threads run, results stay exact, the process exits by itself", () => {
  const r = runChild(2);
  assert.equal(r.enabled, true);
  assert.equal(r.backend, "wasm");
  assert.equal(r.status.active, 2, r.status.reason);
  assert.ok(r.maxDiff < 1e-4, `max |diff| ${r.maxDiff}`);
  assert.equal(r.late, false, "enabling after initialisation is refused");
  assert.match(r.lateReason, /already initialised/);
});

test("wasm threads shim: 1 thread is the plain backend", () => {
  const r = runChild(1);
  assert.equal(r.status.active, 1);
  assert.ok(r.maxDiff < 1e-4);
});
