import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { with_file_lock } from "../src/hub/lock";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-lock-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("two holders of one lock run one after the other, and the lock is removed after", async () => {
  const lock = path.join(dir, ".locks", "models--a--b", "x.lock");
  const log: string[] = [];
  const job = (name: string) => with_file_lock(lock, async () => {
    log.push(`${name} start`);
    assert.equal(fs.readFileSync(lock, "utf8").split(" ")[0], String(process.pid));
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

const SRC_LOCK = path.resolve(__dirname, "../src/utils/lock.ts");

/** A child node process running `code` with the lock module as `L`; resolves with its stdout. */
function child(code: string): { done: Promise<string>; pid: number; kill: () => void } {
  const p = spawn(process.execPath, ["--import", "tsx", "-e", `const L = require(${JSON.stringify(SRC_LOCK)}); (async () => { ${code} })().catch((e) => { console.error(e.message); process.exit(3); });`], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (err += d));
  const done = new Promise<string>((res, rej) => p.on("exit", (c) => (c === 0 ? res(out) : rej(new Error(`child exited ${c}: ${err}`)))));
  return { done, pid: p.pid!, kill: () => p.kill("SIGKILL") };
}

test("two real processes: a holder whose download outlives stale_ms is never taken over; the second waits its turn", async () => {
  const lock = path.join(dir, "two-procs.lock");
  const log = path.join(dir, "two-procs.log");
  // Each holds the lock for 1.2 s with stale_ms 300 ms: the old lock took over after stale_ms, so both
  // wrote at once. Now the owner's heartbeat and liveness keep it.
  const body = (name: string) => `await L.with_file_lock(${JSON.stringify(lock)}, async () => {
      require("fs").appendFileSync(${JSON.stringify(log)}, "${name} start\\n");
      await new Promise((r) => setTimeout(r, 1200));
      require("fs").appendFileSync(${JSON.stringify(log)}, "${name} end\\n");
    }, { stale_ms: 300, poll_ms: 20, heartbeat_ms: 50 });`;
  const a = child(body("a"));
  await new Promise((r) => setTimeout(r, 1500)); // a holds it (tsx start-up included)
  const b = child(body("b"));
  await Promise.all([a.done, b.done]);
  const lines = fs.readFileSync(log, "utf8").trim().split("\n");
  assert.equal(lines.length, 4);
  assert.deepEqual([lines[0].split(" ")[1], lines[1].split(" ")[1], lines[2].split(" ")[1], lines[3].split(" ")[1]], ["start", "end", "start", "end"], lines.join(" | "));
  assert.equal(lines[0].split(" ")[0], lines[1].split(" ")[0]);
  assert.equal(fs.existsSync(lock), false);
});

test("a live owner's lock with an hour-old mtime is not taken over: the waiter fails clearly after timeout_ms", async () => {
  const lock = path.join(dir, "live-old.lock");
  const holder = child(`require("fs").writeFileSync(${JSON.stringify(lock)}, process.pid + " " + require("os").hostname() + " " + (L.process_start(process.pid) ?? "") + "\\n"); console.log("held"); await new Promise((r) => setTimeout(r, 20000));`);
  try {
    for (let i = 0; i < 200 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(lock, old, old);
    let ran = false;
    await assert.rejects(
      with_file_lock(lock, async () => { ran = true; }, { stale_ms: 60_000, poll_ms: 20, timeout_ms: 400 }),
      new RegExp(`held by process ${holder.pid} on .*gave up after waiting`),
    );
    assert.equal(ran, false);
    assert.ok(fs.existsSync(lock));
  } finally {
    holder.kill();
  }
  await holder.done.catch(() => {});
  // Once its owner is dead the lock is taken over at once.
  assert.equal(await with_file_lock(lock, async () => "mine", { poll_ms: 20, timeout_ms: 2000 }), "mine");
});

test("a lock whose pid was recycled by another process (different start time) is taken over", async () => {
  const lock = path.join(dir, "recycled.lock");
  if (!fs.existsSync(`/proc/${process.pid}/stat`)) return; // start times are read from Linux /proc
  fs.writeFileSync(lock, `${process.ppid} ${os.hostname()} 1\n`); // a live pid, but not the process that took the lock
  assert.equal(await with_file_lock(lock, async () => 7, { poll_ms: 10, timeout_ms: 2000 }), 7);
});
