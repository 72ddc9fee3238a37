// The kernel's startup snapshot (kernel/ts/snapshot.ts): a blob is built for a job into its own folder and
// published atomically (meta file naming the blob and its size; no temp, lock or job file left behind), its key
// changes with TypeScript's file and the builder's code, a blob of the wrong size is ignored, a build never runs
// twice at once (a live lock holds, a dead builder's lock is taken over), module resolutions made from
// declaration files are kept only while the file they name exists, a kernel started from a blob uses the parsed
// files and behaves as one without it (type errors, error stacks, SIGINT interrupts once, exit codes), and a
// corrupt blob of the right size makes the kernel start without it and deletes it. Uses dist/: run `npm run build` first.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { KernelClient } from "../kernel/client";
import type { Message } from "../kernel/messaging";

const ROOT = path.join(__dirname, "..");
const DIST = path.join(ROOT, "dist", "kernel", "ts");
// the built modules: the builder entry must be the compiled script the kernel uses
const snap = require(path.join(DIST, "snapshot.js")) as typeof import("../kernel/ts/snapshot");
const { CellCompiler } = require(path.join(DIST, "compiler.js")) as typeof import("../kernel/ts/compiler");
const ENTRY = path.join(DIST, "snapshot_entry.js");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-snapshot-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const typescript = snap.typescript_path();
/** A declaration file of the test's own (the job's files), in a folder cells can import from. */
const pkg_dir = path.join(tmp, "proj", "node_modules", "snaptest");
fs.mkdirSync(pkg_dir, { recursive: true });
fs.writeFileSync(path.join(pkg_dir, "package.json"), JSON.stringify({ name: "snaptest", version: "1.0.0", types: "index.d.ts", main: "index.js" }));
fs.writeFileSync(path.join(pkg_dir, "index.d.ts"), "/** Doubles. */\nexport declare function twice(x: number): number;\n");
fs.writeFileSync(path.join(pkg_dir, "index.js"), "exports.twice = (x) => 2 * x;\n");

/** A job as a kernel in tmp/proj would write it (its compiler's binding options), with a small file list. */
function small_job(): import("../kernel/ts/snapshot").SnapshotJob {
  const c = new CellCompiler(path.join(tmp, "proj"));
  assert.deepEqual(c.convert("", 'import { twice } from "snaptest";\ntwice(2)').diagnostics, []);
  const job = c.snapshot_job()!;
  const files = job.files.filter((f) => f.includes("snaptest") || f.endsWith("lib.es5.d.ts"));
  assert.equal(files.length, 2, `lib.es5.d.ts and the package's .d.ts among ${job.files.length} files`);
  return { typescript: job.typescript, options: job.options, files };
}

const listing = (dir: string) => fs.readdirSync(dir).sort();

test("a blob is built, probed and published atomically; find_snapshot finds it; the key follows TypeScript and the builder", { timeout: 180_000 }, () => {
  const dir = path.join(tmp, "a");
  const job = small_job();
  const r = snap.build_snapshot(job, dir, ENTRY);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.ok && r.files, 2);
  const files = listing(dir);
  assert.equal(files.filter((f) => f.endsWith(".blob")).length, 1, files.join());
  assert.equal(files.filter((f) => f.endsWith(".json")).length, 1, files.join());
  assert.ok(!files.some((f) => /lock|job|tmp/.test(f)), `nothing half-written left: ${files.join()}`);
  const blob = snap.find_snapshot(typescript, dir, ENTRY);
  assert.equal(blob, r.ok ? r.blob : null);
  // the blob deserializes in a fresh process
  const probe = spawnSync(process.execPath, ["--snapshot-blob", blob!], { encoding: "utf8", env: { ...process.env, BERTLAB_SNAPSHOT: "1", BERTLAB_SNAPSHOT_PROBE: "1" } });
  assert.equal(probe.stdout.trim(), "bertlab snapshot ok 2 function", probe.stderr);

  // another builder (its code changed) or another TypeScript file: another key, so this blob is not theirs
  const entry2 = path.join(tmp, "entry2.js");
  fs.writeFileSync(entry2, fs.readFileSync(ENTRY, "utf8") + "\n// changed\n");
  assert.notEqual(snap.snapshot_key(typescript, entry2), snap.snapshot_key(typescript, ENTRY));
  assert.equal(snap.find_snapshot(typescript, dir, entry2), null);
  const ts2 = path.join(tmp, "typescript.js");
  fs.copyFileSync(typescript, ts2);
  assert.equal(snap.find_snapshot(ts2, dir, ENTRY), null);
  const key = snap.snapshot_key(ts2, ENTRY);
  fs.utimesSync(ts2, new Date(), new Date(Date.now() + 5000));
  assert.notEqual(snap.snapshot_key(ts2, ENTRY), key, "a TypeScript rewritten in place (new mtime) is another key");

  // a rebuild replaces the blob (one blob per TypeScript install is kept)
  const r2 = snap.build_snapshot(job, dir, ENTRY);
  assert.ok(r2.ok);
  assert.equal(listing(dir).filter((f) => f.endsWith(".blob")).length, 1);
  assert.equal(snap.find_snapshot(typescript, dir, ENTRY), r2.ok ? r2.blob : null);

  // a blob whose size is not the one published (truncated) is ignored
  fs.truncateSync(r2.ok ? r2.blob : "", 1000);
  assert.equal(snap.find_snapshot(typescript, dir, ENTRY), null);
  snap.invalidate_snapshot(r2.ok ? r2.blob : "");
  assert.deepEqual(listing(dir), []);
});

test("the compiler reuses a parsed declaration file rewritten with the same text, and parses it again when the text changed", () => {
  const d_ts = path.join(pkg_dir, "index.d.ts");
  const text = fs.readFileSync(d_ts, "utf8");
  const parsed_here = () => {
    const c = new CellCompiler(path.join(tmp, "proj")); // a new base program: every file is looked up again
    assert.deepEqual(c.convert("", 'import { twice } from "snaptest";\ntwice(2)').diagnostics, []);
    return c.snapshot_state()!.parsed_here;
  };
  const before = parsed_here();
  fs.writeFileSync(d_ts, text); // a rebuild: same text, new mtime
  fs.utimesSync(d_ts, new Date(), new Date(Date.now() + 2000));
  assert.equal(parsed_here(), before);
  const changed = text + "export declare const added: string;\n";
  fs.writeFileSync(d_ts, changed);
  fs.utimesSync(d_ts, new Date(), new Date(Date.now() + 4000));
  assert.equal(parsed_here(), before + changed.length);
});

test("a module resolved from a declaration file is kept, and resolved again once the file it named is gone", () => {
  const proj = path.join(tmp, "proj2");
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(proj, rel)), { recursive: true });
    fs.writeFileSync(path.join(proj, rel), text);
  };
  write("node_modules/outer/package.json", JSON.stringify({ name: "outer", types: "index.d.ts" }));
  write("node_modules/outer/index.d.ts", 'export { v } from "dep";\n');
  write("node_modules/dep/package.json", JSON.stringify({ name: "dep", types: "index.d.ts" }));
  write("node_modules/dep/index.d.ts", "export declare const v: number;\n");
  const check = () => new CellCompiler(proj).convert("", 'import { v } from "outer";\nconst n: number = v;').diagnostics.map((d) => d.messageText);
  assert.deepEqual(check(), []);
  const c = new CellCompiler(proj);
  c.convert("", 'import { v } from "outer";');
  const kept = c.snapshot_job()!.resolutions!.find(([k]) => k === `${path.join(proj, "node_modules", "outer")}\0dep`);
  assert.equal((kept?.[1] as { resolvedFileName: string }).resolvedFileName, path.join(proj, "node_modules", "dep", "index.d.ts"));
  // dep moves under outer with another type: the kept resolution names a file that is gone, so it is looked up again
  fs.rmSync(path.join(proj, "node_modules", "dep"), { recursive: true });
  write("node_modules/outer/node_modules/dep/package.json", JSON.stringify({ name: "dep", types: "index.d.ts" }));
  write("node_modules/outer/node_modules/dep/index.d.ts", "export declare const v: string;\n");
  assert.deepEqual(check(), ["Type 'string' is not assignable to type 'number'."]);
});

test("one build at a time: a live builder's lock holds, a dead one's is taken over; a failed build publishes nothing and stops the asking", { timeout: 180_000 }, () => {
  const dir = path.join(tmp, "b");
  fs.mkdirSync(dir, { recursive: true });
  const job = { typescript, options: {}, files: [] as string[] };
  // the lock's name is the meta's with .lock: find it by building once with a failing builder entry
  const broken = path.join(tmp, "broken_entry.js");
  fs.writeFileSync(broken, "throw new Error('builder broke');\n");
  const failed = snap.build_snapshot(job, dir, broken);
  assert.equal(failed.ok, false);
  assert.match(failed.ok ? "" : failed.reason, /builder broke/);
  const left = listing(dir);
  assert.equal(left.length, 1, `a failed build leaves only its marker: ${left.join()}`);
  assert.match(left[0], /\.failed$/);
  assert.match(JSON.parse(fs.readFileSync(path.join(dir, left[0]), "utf8")).reason, /builder broke/);

  const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }); // a pid that has ended
  const lock = snap.snapshot_lock_file(typescript, dir, ENTRY);
  fs.writeFileSync(lock, String(process.pid)); // held by this (live) process
  const held = snap.build_snapshot(job, dir, ENTRY);
  assert.deepEqual(held, { ok: false, reason: "another builder holds the lock" });
  assert.equal(snap.request_snapshot(job, () => {}, dir), false, "no second builder is started");
  fs.writeFileSync(lock, gone.stdout.trim());
  const taken = snap.build_snapshot(job, dir, ENTRY);
  assert.ok(taken.ok, JSON.stringify(taken));
  assert.ok(!fs.existsSync(lock));
  // after a failed build of this key, kernels do not ask for another one (no builder per kernel)
  fs.writeFileSync(lock.replace(/\.lock$/, ".failed"), JSON.stringify({ reason: "test" }));
  const said: string[] = [];
  assert.equal(snap.request_snapshot(job, (l) => said.push(l), dir), false);
  assert.match(said.join(), /the last one failed/);
});

function cell(k: KernelClient, code: string) {
  const msgs: Message[] = [];
  return k.execute(code, (m) => msgs.push(m), 120_000).then((reply) => ({
    reply,
    text: msgs.filter((m) => m.header.msg_type === "execute_result").map((m) => m.content.data["text/plain"]).join(""),
    error: msgs.find((m) => m.header.msg_type === "error")?.content,
  }));
}

test("a kernel started from a blob uses its files and behaves as without it; a corrupt blob is deleted and the kernel starts anyway", { timeout: 300_000 }, async () => {
  const dir = path.join(tmp, "c");
  const r = snap.build_snapshot(small_job(), dir);
  assert.ok(r.ok, JSON.stringify(r));
  const env = { ...process.env, BERTLAB_SNAPSHOT: "1", BERTLAB_SNAPSHOT_DIR: dir, BERTLAB_KERNEL_DEBUG: "1", BERTLAB_HISTORY_FILE: path.join(tmp, "history.jsonl") };
  const k = await KernelClient.start({ cwd: path.join(tmp, "proj"), env, startup_timeout_ms: 120_000 });
  try {
    const a = await cell(k, 'import { twice } from "snaptest";\ntwice(21)');
    assert.equal(a.text, "42");
    assert.match(k.log, /In\[1\]: compiled in \d+ ms; startup snapshot used/);
    const from = await cell(k, 'process.execArgv.includes("--snapshot-blob")');
    assert.equal(from.text, "true", "the kernel runs in the child started from the blob");
    const bad = await cell(k, 'const s: number = twice("x");');
    assert.equal(bad.reply.content.status, "error");
    assert.match(bad.error?.evalue ?? "", /not assignable to parameter of type 'number'/);
    // errors keep their stacks (Node leaves Error.stackTraceLimit out of a snapshot): the frame is the cell's line
    const thrown = await cell(k, "function boom(): number {\n  throw new RangeError('boom');\n}\nboom();");
    assert.match((thrown.error?.traceback ?? []).join("\n").replace(/\x1b\[[0-9;]*m/g, ""), /RangeError: boom\n\s+at boom \(In\[\d+\]:2:9\)/);
    // SIGINT to the launcher reaches the kernel: the loop ends with KeyboardInterrupt, and the kernel stays usable
    const loop = k.execute("let n = 0; while (true) { n++; }", () => {}, 120_000);
    await new Promise((res) => setTimeout(res, 1500));
    k.interrupt();
    const stopped = await loop;
    assert.equal(stopped.content.status, "error");
    assert.equal(stopped.content.ename, "KeyboardInterrupt");
    assert.equal((await cell(k, "twice(n > 0 ? 1 : 0)")).text, "2");
  } finally {
    await k.shutdown();
  }
  // process.exit(3) in a cell: the launcher ends with the kernel's code
  const k2 = await KernelClient.start({ cwd: path.join(tmp, "proj"), env, startup_timeout_ms: 120_000 });
  await k2.execute("process.exit(3)", () => {}, 30_000).catch(() => null);
  for (let i = 0; i < 100 && k2.alive; i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal(k2.alive, false);
  assert.equal((k2 as unknown as { exited: { code: number | null } }).exited.code, 3, "the launcher's exit code is the kernel's");
  await k2.shutdown();

  // the same size, garbage inside: the child aborts before it deserializes; the launcher deletes it and starts the kernel itself
  const blob = snap.find_snapshot(typescript, dir)!;
  const size = fs.statSync(blob).size;
  const fd = fs.openSync(blob, "r+");
  fs.writeSync(fd, Buffer.alloc(4096, 7), 0, 4096, 0);
  fs.closeSync(fd);
  assert.equal(fs.statSync(blob).size, size);
  const k3 = await KernelClient.start({ cwd: path.join(tmp, "proj"), env, startup_timeout_ms: 120_000 });
  try {
    assert.equal((await cell(k3, 'import { twice } from "snaptest";\ntwice(4)')).text, "8");
    assert.equal((await cell(k3, 'process.execArgv.includes("--snapshot-blob")')).text, "false");
    assert.match(k3.log, /did not start .*deleted, starting without it/);
    assert.ok(!fs.existsSync(blob), "the corrupt blob is deleted");
    assert.equal(snap.find_snapshot(typescript, dir), null);
  } finally {
    await k3.shutdown();
  }
});
