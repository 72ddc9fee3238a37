import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { with_file_lock } from "../src/hub/lock";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-lock-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("two holders of one lock run one after the other, and the lock is removed after", async () => {
  const lock = path.join(dir, ".locks", "models--a--b", "x.lock");
  const log: string[] = [];
  const job = (name: string) => with_file_lock(lock, async () => {
    log.push(`${name} start`);
    assert.equal(fs.readFileSync(lock, "utf8"), String(process.pid));
    await new Promise((r) => setTimeout(r, 60));
    log.push(`${name} end`);
    return name;
  }, { poll_ms: 10 });
  assert.deepEqual(await Promise.all([job("a"), job("b")]), ["a", "b"]);
  assert.deepEqual(log, ["a start", "a end", "b start", "b end"]);
  assert.equal(fs.existsSync(lock), false);
});

test("a lock left by a dead process is taken over; an error in the holder still releases it", async () => {
  const lock = path.join(dir, "dead.lock");
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  fs.writeFileSync(lock, child.stdout); // that pid has exited
  assert.equal(await with_file_lock(lock, async () => 42, { poll_ms: 10 }), 42);
  await assert.rejects(with_file_lock(lock, async () => { throw new Error("boom"); }), /boom/);
  assert.equal(fs.existsSync(lock), false);
});
