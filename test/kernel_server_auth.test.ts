// The kernel fails closed and answers every message, as ipykernel 6.17 + jupyter_client do: a connection file
// without a string key, with out-of-range ports or an unknown transport is refused at start ("" is "no auth",
// with a warning on the kernel's log); a replayed signed message runs once; a bad signature or a malformed
// message (null header, wrong types, not JSON) is dropped with a line on the kernel's log — never in a cell's
// output — and no loop stops; shutdown_request is answered and acted on while a synchronous cell loops; the
// ipc transport uses jupyter_client's socket names; stdin works (input_request when allow_stdin, an immediate
// StdinNotImplementedError otherwise); history search takes any glob in bounded time.
// Cells import "bertlab" from the build: run `npm run build` first.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { KernelClient } from "../kernel/client";
import { shared_kernel } from "./helpers/shared_kernel";
import { Message, new_message, serialize } from "../kernel/messaging";
import { glob_match } from "../kernel/server/history";
import { PY, skip_unless } from "./helpers/tools";

const ROOT = path.join(__dirname, "..");
const MAIN = path.join(ROOT, "dist", "kernel", "server", "main.js");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-auth-"));
const env = { ...process.env, BERTLAB_HISTORY_FILE: path.join(home, "history.jsonl"), HF_HUB_OFFLINE: "1" };
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** One kernel for the tests that only need a live one. */
const kernel = shared_kernel(ROOT, env);
after(() => fs.rmSync(home, { recursive: true, force: true }));

async function run(k: KernelClient, code: string, content: { allow_stdin?: boolean } = {}) {
  const msgs: Message[] = [];
  const reply = await k.execute(code, (m) => msgs.push(m), 120_000, undefined, content);
  const text = (name: string) => msgs.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => m.content.text).join("");
  return { reply, msgs, stdout: text("stdout"), stderr: text("stderr"), result: msgs.find((m) => m.header.msg_type === "execute_result")?.content };
}

/** Starts main.js on a connection file and returns its exit code and stderr (it should refuse at once). */
function start_with(conn: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const file = path.join(home, `conn-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(conn));
  const p = spawn(process.execPath, [MAIN, file], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  p.stderr!.on("data", (d) => (stderr += d));
  return new Promise((res) => {
    const t = setTimeout(() => p.kill("SIGKILL"), 20_000);
    p.on("exit", (code) => (clearTimeout(t), res({ code, stderr })));
  });
}

const GOOD = { ip: "127.0.0.1", transport: "tcp", shell_port: 50001, iopub_port: 50002, stdin_port: 50003, control_port: 50004, hb_port: 50005, signature_scheme: "hmac-sha256", key: "k" };

test("a connection file without a string key, with a bad port or transport, is refused at start naming the field", { timeout: 120_000 }, async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...GOOD, key: undefined }, /"key" should be the HMAC key as a string .* got no key; refusing to run unsigned code/],
    [{ ...GOOD, key: null }, /"key" .* got null; refusing/],
    [{ ...GOOD, key: 42 }, /"key" .* got a number; refusing/],
    [{ ...GOOD, key: ["k"] }, /"key" .* got a object; refusing/],
    [{ ...GOOD, shell_port: 0 }, /"shell_port" should be a port number 1-65535, got 0/],
    [{ ...GOOD, hb_port: 70000 }, /"hb_port" should be a port number 1-65535, got 70000/],
    [{ ...GOOD, iopub_port: 5.5 }, /"iopub_port" should be a port number 1-65535, got 5.5/],
    [{ ...GOOD, control_port: "50004" }, /"control_port" should be a port number 1-65535, got "50004"/],
    [{ ...GOOD, transport: "udp" }, /"transport" should be "tcp" or "ipc", got "udp"/],
    [{ ...GOOD, signature_scheme: "hmac-md5" }, /signature_scheme "hmac-md5" is not supported/],
  ];
  const results = await Promise.all(cases.map(([conn]) => start_with(conn)));
  results.forEach((r, i) => {
    assert.equal(r.code, 1, `case ${i}: ${r.stderr}`);
    assert.match(r.stderr, cases[i][1], `case ${i}`);
  });
});

test('key "" runs without authentication and says so on the kernel\'s log (not in any output)', { timeout: 120_000 }, async () => {
  const k = await KernelClient.start({ cwd: ROOT, env, key: "", startup_timeout_ms: 120_000 });
  try {
    const r = await run(k, "6 * 7");
    assert.equal(r.result?.data["text/plain"], "42");
    assert.match(k.log, /WARNING: the connection file's key is "" — authentication is off/);
    assert.doesNotMatch(r.stderr + r.stdout, /authentication/);
  } finally {
    await k.shutdown();
  }
});

/** A correctly signed request's frames (what a peer that captured one could send again). */
function signed(k: KernelClient, msg_type: string, content: object): Buffer[] {
  return serialize(new_message(msg_type, content, k.session), k.connection.key);
}

test("a replayed signed message runs once, on any channel; the replay is noted on the kernel's log", { timeout: 180_000 }, async () => {
  const k = await kernel();
  const frames = signed(k, "execute_request", { code: "globalThis.__runs = (globalThis.__runs ?? 0) + 1;", silent: true, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  await k.send_frames("shell", frames);
  await k.send_frames("shell", frames);
  await k.send_frames("control", frames);
  await sleep(1500);
  const r = await run(k, "(globalThis as any).__runs");
  assert.equal(r.result?.data["text/plain"], "1");
  assert.match(k.log, /duplicate signature/);
  // a replayed interrupt is refused by the control thread too (it would otherwise SIGINT a running cell)
  const intr = signed(k, "interrupt_request", {});
  await k.send_frames("control", intr);
  await sleep(300);
  const before = (k.log.match(/duplicate signature/g) ?? []).length;
  const cell = run(k, "await new Promise((r) => setTimeout(r, 1500)); 'finished'");
  await sleep(500);
  await k.send_frames("control", intr);
  const done = await cell;
  assert.equal(done.result?.data["text/plain"], "'finished'", "the replayed interrupt did not stop the cell");
  assert.ok((k.log.match(/duplicate signature/g) ?? []).length > before);
});

test("bad signatures and malformed messages go to the kernel's log, never into the running cell; no loop stops", { timeout: 180_000 }, async () => {
  const k = await kernel();
  const key = k.connection.key;
  const part = (v: unknown) => Buffer.from(JSON.stringify(v));
  const sign = (parts: Buffer[]) => {
    const h = createHmac("sha256", key);
    for (const p of parts) h.update(p);
    return Buffer.from(h.digest("hex"));
  };
  const frames = (parts: Buffer[], signature = sign(parts)) => [Buffer.from("<IDS|MSG>"), signature, ...parts];
  const header = new_message("kernel_info_request", {}, k.session).header;
  const cell = run(k, "await new Promise((r) => setTimeout(r, 2500)); 'done'");
  await sleep(500);
  const evil = [part({ ...header, msg_type: "execute_request" }), part({}), part({}), part({ code: "\x1b[31mEVIL" })];
  const bad: Buffer[][] = [
    frames(evil, Buffer.from("0".repeat(64))), // wrong signature
    frames(evil, Buffer.from("\x1b[2J\x1b[31mred")), // wrong signature with ANSI codes
    frames([part(null), part({}), part({}), part({})]), // signed, null header
    frames([part({ ...header, msg_type: 42 }), part({}), part({}), part({})]),
    frames([part({ ...header, msg_id: null }), part({}), part({}), part({})]),
    frames([part(header), part(null), part({}), part({})]),
    frames([part(header), part({}), part([]), part(null)]),
    frames([Buffer.from("{not json"), part({}), part({}), part({})]),
    [Buffer.from("<IDS|MSG>"), Buffer.from("x")], // too few frames
    frames([part({ ...header, msg_type: "constructor" }), part({}), part({}), part({})]), // not a handler
    frames([part({ ...header, msg_type: "__proto__" }), part({}), part({}), part({})]),
  ];
  for (const f of bad) {
    await k.send_frames("shell", f);
    await k.send_frames("control", f);
    await k.send_frames("stdin", f);
  }
  const r = await cell;
  assert.equal(r.result?.data["text/plain"], "'done'");
  assert.equal(r.stderr + r.stdout, "", "nothing a peer sends reaches the cell's output");
  await sleep(300);
  assert.match(k.log, /shell: jupyter message: bad HMAC signature/);
  assert.match(k.log, /control: jupyter message: header should be a JSON object, got null/);
  assert.match(k.log, /header\.msg_type should be a string, got number/);
  assert.doesNotMatch(k.log, /\x1b/, "control characters are escaped in the log");
  // every loop still answers
  for (const channel of ["shell", "control"] as const) {
    const info = await k.send_request(channel, "kernel_info_request", {}, 10_000);
    assert.equal(info?.content.status, "ok", channel);
  }
  assert.equal((await k.send_request("control", "interrupt_request", {}, 10_000))?.content.status, "ok");
  // a well-signed request with wrong content types gets an error reply naming the field
  const wrong = await k.send_request("shell", "execute_request", { code: 5, silent: false }, 10_000);
  assert.equal(wrong?.content.status, "error");
  assert.match(wrong?.content.evalue, /execute_request: content\.code should be a string, got number/);
  const hist = await k.send_request("shell", "history_request", { hist_access_type: "search", pattern: {}, output: false, raw: true }, 10_000);
  assert.match(hist?.content.evalue, /content\.pattern should be absent or a string, got object/);
  assert.equal((await run(k, "1 + 1")).result?.data["text/plain"], "2");
});

test("shutdown_request is answered and acted on while a synchronous cell loops", { timeout: 180_000 }, async () => {
  const k = await KernelClient.start({ cwd: ROOT, env, startup_timeout_ms: 120_000 });
  try {
    let started!: () => void;
    const running = new Promise<void>((res) => (started = res));
    void k.execute("while (true) {}", (m) => m.header.msg_type === "execute_input" && started(), 60_000).catch(() => {});
    await running;
    await sleep(1000); // inside the loop
    const t0 = Date.now();
    const reply = await k.send_request("control", "shutdown_request", { restart: false }, 10_000);
    assert.equal(reply?.content.status, "ok");
    assert.equal(reply?.content.restart, false);
    for (let i = 0; i < 100 && k.alive; i++) await sleep(100);
    assert.equal(k.alive, false, "the kernel ended");
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    await k.shutdown();
  }
});

test("ipc transport: sockets named {ip}-{port} as jupyter_client names them", { timeout: 180_000 }, async () => {
  const k = await KernelClient.start({ cwd: ROOT, env, transport: "ipc", startup_timeout_ms: 120_000 });
  try {
    assert.ok(fs.existsSync(`${k.connection.ip}-${k.connection.shell_port}`));
    assert.equal((await run(k, "6 * 7")).result?.data["text/plain"], "42");
  } finally {
    await k.shutdown();
  }
});

test("ipc transport: jupyter_client's own client runs a cell", { timeout: 180_000, skip: skip_unless("nbconvert") }, () => {
  // nbconvert brings jupyter_client; its write_connection_file picks the ipc ports, its client connects by name
  const script = `
import os, subprocess, sys, tempfile
from jupyter_client.connect import write_connection_file
from jupyter_client import BlockingKernelClient
d = tempfile.mkdtemp()
fname, cfg = write_connection_file(os.path.join(d, "k.json"), transport="ipc", ip=os.path.join(d, "kernel-ipc"))
p = subprocess.Popen([sys.argv[1], sys.argv[2], fname], cwd=sys.argv[3])
try:
    c = BlockingKernelClient(); c.load_connection_file(fname); c.start_channels(); c.wait_for_ready(timeout=120)
    msg_id = c.execute("6 * 7")
    while True:
        m = c.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_result":
            print("RESULT", m["content"]["data"]["text/plain"]); break
    c.shutdown(); p.wait(20)
finally:
    if p.poll() is None: p.kill()
`;
  const r = spawnSync(PY, ["-c", script, process.execPath, MAIN, ROOT], { env, encoding: "utf8", timeout: 170_000 });
  assert.match(r.stdout, /RESULT 42/, r.stderr);
});

test("stdin: input() and process.stdin send input_request when allow_stdin; fail at once otherwise", { timeout: 180_000 }, async () => {
  const k = await kernel();
  const prompts: string[] = [];
  k.on_input = (prompt, password) => (prompts.push(`${prompt}|${password}`), prompt.startsWith("Secret") ? "s3cret" : "Ada");
  const a = await run(k, 'import { input } from "bertlab";\nconst who = await input("Name? ");\nconst pw = await input("Secret? ", { password: true });\n`${who}/${pw}`', { allow_stdin: true });
  assert.equal(a.result?.data["text/plain"], "'Ada/s3cret'", JSON.stringify(a.reply));
  assert.deepEqual(prompts, ["Name? |false", "Secret? |true"]);
  const b = await run(k, 'import * as readline from "readline";\nconst read_line = async () => { for await (const l of readline.createInterface({ input: process.stdin })) return l; return ""; };\nawait read_line()', { allow_stdin: true });
  assert.equal(b.result?.data["text/plain"], "'Ada'", JSON.stringify(b.reply.content));
  const t0 = Date.now();
  const c = await run(k, 'await input("Name? ")');
  assert.equal(c.reply.status, "error");
  assert.equal(c.reply.content?.ename, "StdinNotImplementedError");
  assert.match(c.reply.content?.evalue, /allow_stdin false/);
  const d = await run(k, "await read_line()");
  assert.equal(d.reply.content?.ename, "StdinNotImplementedError");
  assert.ok(Date.now() - t0 < 20_000, "no hang");
  assert.equal((await run(k, "who")).result?.data["text/plain"], "'Ada'");
});

test("history glob: matches as SQLite GLOB (checked against a regex on random cases) and a crafted pattern takes no time", () => {
  const to_re = (g: string) => new RegExp("^" + Array.from(g).map((c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[.+^${}()|\\[\]\\]/g, "\\$&"))).join("") + "$", "u");
  fc.assert(fc.property(fc.stringMatching(/^[ab*?]{0,8}$/), fc.stringMatching(/^[ab]{0,10}$/), (g, t) => glob_match(g, t) === to_re(g).test(t)), { numRuns: 2000 });
  assert.ok(glob_match("[a-c]x[^0-9]*", "bxy!"));
  assert.ok(!glob_match("[a-c]x[^0-9]*", "bx1"));
  assert.ok(glob_match("[]]", "]"));
  assert.ok(glob_match("[abc", "[abc"), "an unclosed [ is literal");
  const t0 = Date.now();
  const text = "a".repeat(20_000);
  assert.equal(glob_match("*a".repeat(200) + "*b", text), false); // a backtracking regex takes minutes here
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
});

test("an interrupt that arrives while a cell compiles stops it before it runs; the kernel keeps its names", { timeout: 180_000 }, async () => {
  const k = await kernel();
  assert.equal((await run(k, "let kept_c = 1;")).reply.status, "ok");
  // a cell that takes the compiler a while (thousands of declarations), printing as its first statement
  const code = 'console.log("ran");\n' + Array.from({ length: 6000 }, (_, i) => `const c_${i}: { v: number } = { v: ${i} };`).join("\n");
  const msgs: Message[] = [];
  let t_sent = 0;
  // the interrupt goes 0.7 s after the request (execute_input cannot tell: it leaves the kernel only after the compile)
  const reply = await k.execute(code, (m) => msgs.push(m), 120_000, () => {
    t_sent = Date.now();
    setTimeout(() => void k.send_request("control", "interrupt_request", {}, 10_000), 700);
  });
  const took = Date.now() - t_sent;
  assert.equal(reply.content?.ename, "KeyboardInterrupt", JSON.stringify(reply.content).slice(0, 300));
  assert.ok(!msgs.some((m) => m.header.msg_type === "stream" && /ran/.test(m.content.text)), "the cell did not run");
  assert.ok(took >= 700, `the compile was still going when the interrupt came (${took} ms)`);
  assert.equal((await run(k, "kept_c + 1")).result?.data["text/plain"], "2");
});
