// Fuzz: the kernel answers through anything a peer or a cell can throw at it. fast-check builds random and
// mutated Jupyter messages — correctly signed ones with null / missing / wrongly typed header fields, parts that
// are not JSON or not objects, random content for every request type, wrong signatures, replays, stray frames —
// and sends them as raw zeromq frames from the tests' own client (kernel/client.ts) on shell, control and
// stdin; then random cells leave unawaited failures behind (rejections of any value, throws in timers,
// microtasks, nextTick, setImmediate). After every batch the kernel must be alive, beat, answer
// kernel_info on shell and control, keep the names cells declared, and never have written a peer's bytes into
// a cell's output. (shutdown_request is left out: it ends the kernel, as it should.) Counts print at the end;
// `npm run fuzz` multiplies them by BERTLAB_FUZZ_SCALE (20 there).
// Cells import "bertlab" from the build: run `npm run build` first.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { KernelClient } from "../kernel/client";
import { Message, new_message } from "../kernel/messaging";

const SCALE = Math.max(1, Number(process.env.BERTLAB_FUZZ_SCALE ?? 1) || 1);
const ROOT = path.join(__dirname, "..");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-fuzz-"));
const env = { ...process.env, BERTLAB_HISTORY_FILE: path.join(home, "history.jsonl"), HF_HUB_OFFLINE: "1" };
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

let kernel: KernelClient | undefined;
after(async () => {
  await kernel?.shutdown();
  fs.rmSync(home, { recursive: true, force: true });
});

const TYPES = ["kernel_info_request", "execute_request", "complete_request", "inspect_request", "is_complete_request", "history_request",
  "comm_info_request", "connect_request", "interrupt_request", "comm_open", "comm_msg", "comm_close", "input_reply", "constructor", "__proto__", "toString", "x"];
const junk = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 8 }), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1, maxKeys: 3 }));
const header_field = (good: string) => fc.oneof({ weight: 3, arbitrary: fc.constant(good) }, junk);
// content that the handlers read: right and wrong types for each field
const content = fc.record({
  code: fc.oneof(fc.constantFrom("1 + 1", "let fz_x = 1;", "", "fz_counter", "\u2028", "await 0"), junk),
  cursor_pos: fc.oneof(fc.integer({ min: -5, max: 50 }), junk),
  detail_level: junk, silent: fc.oneof(fc.boolean(), junk), store_history: fc.oneof(fc.boolean(), junk),
  user_expressions: fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 3 }), fc.constantFrom("1", "fz_counter", "(")), junk),
  allow_stdin: junk, stop_on_error: junk,
  hist_access_type: fc.oneof(fc.constantFrom("tail", "range", "search", "bogus"), junk),
  pattern: fc.oneof(fc.constantFrom("*", "*a*a*a*a*a*a*a*b", "[", "[^]]*", "?*?*?"), junk), n: junk, start: junk, stop: junk, session: junk, unique: junk, output: junk, raw: junk,
  comm_id: junk, target_name: junk, data: junk, value: junk,
}, { requiredKeys: [] });

const message = fc.record({
  channel: fc.constantFrom("shell", "control", "stdin") as fc.Arbitrary<"shell" | "control" | "stdin">,
  msg_type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TYPES) }, junk),
  msg_id: header_field("fuzz-id"), session: header_field("fuzz-session"), username: header_field("fuzz"), date: header_field("2026-01-01T00:00:00Z"), version: header_field("5.3"),
  header_is: fc.constantFrom("object", "object", "object", "null", "array", "string"),
  parent: fc.oneof(fc.constant({}), junk), metadata: fc.oneof(fc.constant({}), junk), content,
  not_json: fc.option(fc.nat(3), { freq: 8 }),
  signature: fc.constantFrom("good", "good", "good", "bad", "empty", "ansi"),
  extra_frames: fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 2 }),
  replay: fc.boolean(),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function frames(key: string, m: Record<string, any>, n: number): Buffer[] {
  const header = { msg_id: m.msg_id === "fuzz-id" ? `fuzz-${n}` : m.msg_id, session: m.session, username: m.username, date: m.date, msg_type: m.msg_type, version: m.version };
  const h = m.header_is === "object" ? header : m.header_is === "null" ? null : m.header_is === "array" ? [header] : "header";
  const parts = [h, m.parent, m.metadata, m.content].map((p, i) => Buffer.from(i === m.not_json ? "{not json" : JSON.stringify(p) ?? "null"));
  const sig = createHmac("sha256", key);
  for (const p of parts) sig.update(p);
  const signature = m.signature === "good" ? sig.digest("hex") : m.signature === "bad" ? "0".repeat(64) : m.signature === "ansi" ? "\x1b[31m\x1b[2Jevil" : "";
  return [Buffer.from("<IDS|MSG>"), Buffer.from(signature), ...parts, ...m.extra_frames.map((b: Uint8Array) => Buffer.from(b))];
}

async function healthy(k: KernelClient, what: string): Promise<void> {
  assert.ok(k.alive, `${what}: the kernel died\n${k.log.slice(-3000)}`);
  assert.ok(await k.heartbeat(5000), `${what}: no heartbeat`);
  for (const channel of ["shell", "control"] as const) {
    const r = await k.send_request(channel, "kernel_info_request", {}, 60_000);
    assert.equal(r?.content.status, "ok", `${what}: kernel_info on ${channel} unanswered\n${k.log.slice(-3000)}`);
  }
}

async function run(k: KernelClient, code: string) {
  const msgs: Message[] = [];
  const reply = await k.execute(code, (m) => msgs.push(m), 120_000);
  const text = msgs.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text).join("");
  return { reply, text, result: msgs.find((m) => m.header.msg_type === "execute_result")?.content };
}

test("random and mutated messages on shell, control and stdin: every loop keeps answering, nothing reaches a cell", { timeout: 900_000 }, async () => {
  kernel = await KernelClient.start({ cwd: ROOT, env, startup_timeout_ms: 120_000 });
  const k = kernel;
  assert.equal((await run(k, "let fz_counter = 41;")).reply.status, "ok");
  const key = k.connection.key;
  const stray: string[] = [];
  k.unrouted = (m) => m.header.msg_type === "stream" && stray.push(String(m.content.text));
  let sent = 0;
  let n = 0;
  const batches = 6 * SCALE;
  await fc.assert(fc.asyncProperty(fc.array(message, { minLength: 4, maxLength: 8 }), async (batch) => {
    for (const m of batch) {
      const f = frames(key, m, n++);
      await k.send_frames(m.channel, f);
      if (m.replay) await k.send_frames(m.channel === "shell" ? "control" : "shell", f);
      sent += m.replay ? 2 : 1;
    }
    await sleep(100);
    await healthy(k, `after ${sent} messages`);
  }), { numRuns: batches, seed: 22 });
  const after_all = await run(k, "fz_counter + 1");
  assert.equal(after_all.result?.data["text/plain"], "42", "names survive");
  assert.doesNotMatch(stray.join("") + after_all.text, /evil|\x1b\[2J|bad HMAC|jupyter message/, "a peer's bytes or the kernel's diagnostics never reach a cell");
  console.log(`messages: ${sent} sent in ${batches} batches, kernel alive, every loop answering, 0 lost names`);
});

test("random cells leaving unawaited failures behind: reported, never fatal, names kept", { timeout: 900_000 }, async () => {
  kernel ??= await KernelClient.start({ cwd: ROOT, env, startup_timeout_ms: 120_000 });
  const k = kernel;
  assert.equal((await run(k, "let fz_kept = 7;")).reply.status, "ok");
  const value = fc.constantFrom('new Error("fz")', "undefined", "null", "42", '"text \\u2028 \\x1b[31m"', "{ a: 1 }", "Symbol('s')", "new (class Custom extends Error {})('c')", "Object.create(null)");
  const how = fc.constantFrom(
    (v: string) => `Promise.reject(${v});`,
    (v: string) => `setTimeout(() => { throw ${v}; }, 5);`,
    (v: string) => `setImmediate(() => { throw ${v}; });`,
    (v: string) => `process.nextTick(() => { throw ${v}; });`,
    (v: string) => `queueMicrotask(() => { throw ${v}; });`,
    (v: string) => `new Promise((_, reject) => setTimeout(() => reject(${v}), 20));`,
    (v: string) => `(async () => { throw ${v}; })();`,
  );
  let cells = 0;
  let reported = 0;
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(how, value), { minLength: 1, maxLength: 3 }), fc.boolean(), async (parts, wait) => {
    const code = parts.map(([h, v]) => h(v)).join("\n") + (wait ? "\nawait new Promise((r) => setTimeout(r, 60));" : "") + "\nfz_kept";
    const r = await run(k, code);
    cells++;
    assert.ok(k.alive, `the kernel died on:\n${code}\n${k.log.slice(-3000)}`);
    assert.equal(r.result?.data["text/plain"], "7", `${code}\n${JSON.stringify(r.reply.content)}`);
    if (/Uncaught exception|Unhandled promise rejection/.test(r.text)) reported++;
  }), { numRuns: 8 * SCALE, seed: 22 });
  await sleep(200);
  const last = await run(k, "fz_kept * 6");
  assert.equal(last.result?.data["text/plain"], "42");
  await healthy(k, "after the cells");
  assert.ok(reported > 0, "stray errors are reported in cell output");
  console.log(`cells: ${cells} with unawaited failures, ${reported} reported in their own output (others in the next cell, as late), kernel alive, names kept`);
});
