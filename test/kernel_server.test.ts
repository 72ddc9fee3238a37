// bertlab's kernel at the protocol level, through the runner's own client (kernel/client.ts) over zeromq:
// interrupts (interrupt_request on control and SIGINT, a synchronous loop and an awaiting cell, a Trainer that
// stops at its step boundary), errors as a person reads them (the full TypeScript diagnostic with the cell's
// line, column and underline; runtime stacks in cell lines; a cell failing at run time keeps what ran before the error), a cell's value
// as a rich execute_result (tensor, chart, tokenizer output, model output, Deno-convention objects), complete and
// inspect on bertlab names, history kept per user across kernels, and no orphans when the front end is killed.
// Cells import "bertlab" from the build: run `npm run build` first.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { KernelClient, ExecuteReply } from "../kernel/client";
import { shared_kernel } from "./helpers/shared_kernel";
import type { Message } from "../kernel/messaging";
import { VEGA_LITE_MIME } from "../kernel/bundle";
import { decode_png, count_ink } from "../plots/render";

const ROOT = path.join(__dirname, "..");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-server-"));
const HISTORY = path.join(home, "history.jsonl");
const env = { ...process.env, BERTLAB_HISTORY_FILE: HISTORY, HF_HUB_OFFLINE: "1" };
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

type Run = { reply: ExecuteReply; msgs: Message[]; stdout: string; stderr: string; result?: Record<string, any>; error?: Record<string, any> };

async function run(k: KernelClient, code: string, on_msg?: (m: Message) => void): Promise<Run> {
  const msgs: Message[] = [];
  const reply = await k.execute(code, (m) => {
    msgs.push(m);
    on_msg?.(m);
  }, 240_000);
  const text = (name: string) => msgs.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => m.content.text).join("");
  const result = msgs.find((m) => m.header.msg_type === "execute_result")?.content;
  const error = msgs.find((m) => m.header.msg_type === "error")?.content;
  return { reply, msgs, stdout: text("stdout"), stderr: text("stderr"), result, error };
}

/** One kernel for the tests that only need a live one. */
const kernel = shared_kernel(ROOT, env);

/** Runs `code`, interrupting it (through `how`) once it has started (its execute_input is seen). */
async function interrupted(k: KernelClient, code: string, how: "interrupt_request" | "SIGINT", when: (m: Message) => boolean = (m) => m.header.msg_type === "execute_input"): Promise<Run> {
  let sent = false;
  return run(k, code, (m) => {
    if (sent || !when(m)) return;
    sent = true;
    // a beat after it started, so the cell is inside its loop / await
    setTimeout(() => {
      if (how === "SIGINT") k.interrupt();
      else void k.send_request("control", "interrupt_request", {}, 10_000).then((r) => assert.equal(r?.content.status, "ok"));
    }, 300);
  });
}

for (const how of ["interrupt_request", "SIGINT"] as const) {
  test(`${how} stops a \`while (true) {}\` cell and an awaiting cell with KeyboardInterrupt; the kernel keeps its names`, { timeout: 300_000 }, async () => {
    const k = await kernel();
    const name = how === "SIGINT" ? "kept_sig" : "kept_req";
    assert.equal((await run(k, `let ${name} = 41;`)).reply.status, "ok");
    for (const code of ["while (true) {}", "await new Promise(() => {});"]) {
      const r = await interrupted(k, code, how);
      assert.equal(r.reply.status, "error", `${code}: ${JSON.stringify(r.reply.content)}`);
      assert.equal(r.reply.content?.ename, "KeyboardInterrupt");
      assert.equal(r.error?.ename, "KeyboardInterrupt");
      assert.match(strip(r.error!.traceback.join("\n")), /^KeyboardInterrupt: interrupted/);
      assert.match(strip(r.error!.traceback.join("\n")), /The kernel is still running and keeps every earlier cell's names/);
      const next = await run(k, `${name} + 1`);
      assert.equal(next.result?.data["text/plain"], "42", `after interrupting ${code}`);
    }
    assert.ok(k.alive);
  });
}

test("an interrupted Trainer stops at its next step boundary and says so; the model keeps its trained steps", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const setup = await run(k, `
import { set_seed, BertForSequenceClassification, Trainer, TrainingArguments } from "bertlab";
set_seed(0);
const tmodel = new BertForSequenceClassification({
  vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24,
  max_position_embeddings: 16, num_labels: 2,
});
const tdata = Array.from({ length: 16 }, (_, i) => ({ input_ids: [2, 5 + (i % 7), 7, 3], labels: i % 2 }));
const targs = new TrainingArguments({
  output_dir: ${JSON.stringify(path.join(home, "trainer"))}, max_steps: 100000, logging_steps: 1000, per_device_train_batch_size: 4,
  learning_rate: 1e-3, save_strategy: "no", disable_tqdm: true,
});
const trainer = new Trainer({ model: tmodel, args: targs, train_dataset: tdata,
  callbacks: [{ on_step_end: (_a: unknown, s: { global_step: number }) => void (s.global_step === 3 && console.log("at step 3")) }] });`);
  assert.equal(setup.reply.status, "ok", JSON.stringify(setup.error));
  const r = await interrupted(k, "await trainer.train();", "interrupt_request", (m) => m.header.msg_type === "stream" && /at step 3/.test(m.content.text));
  assert.equal(r.reply.content?.ename, "KeyboardInterrupt", JSON.stringify({ reply: r.reply, stderr: r.stderr, stdout: r.stdout, error: r.error }));
  const m = /Trainer: interrupted, stopping at step (\d+) of 100000 \(KeyboardInterrupt\)/.exec(r.stderr);
  assert.ok(m, `the Trainer says where it stopped; stderr: ${r.stderr}`);
  const step = Number(m[1]);
  assert.ok(step >= 3 && step < 100000, `stopped at step ${step}`);
  // the message comes before the error output: the cell waited for the step boundary
  const order = r.msgs.map((x) => x.header.msg_type);
  assert.ok(order.lastIndexOf("stream") < order.indexOf("error"), order.join(","));
  const after = await run(k, "trainer.state.global_step");
  assert.equal(after.result?.data["text/plain"], String(step));
});

test("a type error shows the full diagnostic: cell line and column, code and underline; nothing of the cell runs", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await run(k, 'console.log("never");\nconst n: number =\n  "not a number";');
  assert.equal(r.reply.status, "error");
  assert.equal(r.stdout, "", "a cell that does not compile does not run");
  const count = r.reply.execution_count;
  assert.equal(r.error?.ename, "TSError");
  assert.equal(r.error?.evalue, `In[${count}]:2:7 - TS2322: Type 'string' is not assignable to type 'number'.`);
  assert.equal(strip(r.error!.traceback.join("\n")), [
    `In[${count}]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'.`,
    "",
    "2 const n: number =",
    "        ~",
    "",
    `Found 1 error in In[${count}]. The cell did not run; nothing it declares exists.`,
  ].join("\n"));
  // a message chain is shown in full (the reasons under the head line)
  const chain = await run(k, "const f: (x: number) => string = (x: string) => x;");
  const c = chain.reply.execution_count;
  assert.equal(strip(chain.error!.traceback.join("\n")), [
    `In[${c}]:1:7 - error TS2322: Type '(x: string) => string' is not assignable to type '(x: number) => string'.`,
    "  Types of parameters 'x' and 'x' are incompatible.",
    "    Type 'number' is not assignable to type 'string'.",
    "",
    "1 const f: (x: number) => string = (x: string) => x;",
    "        ~",
    "",
    `Found 1 error in In[${c}]. The cell did not run; nothing it declares exists.`,
  ].join("\n"));
});

test("a runtime error's stack points at cell lines, with the failing line and a caret", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await run(k, [
    "function check_length(max_length: number): number {",
    "  if (max_length < 0) {",
    "    throw new RangeError(`max_length must be positive, got ${max_length}`);",
    "  }",
    "  return max_length;",
    "}",
    "check_length(-1);",
  ].join("\n"));
  const n = r.reply.execution_count;
  assert.equal(r.error?.ename, "RangeError");
  assert.equal(r.error?.evalue, "max_length must be positive, got -1");
  const [stack, where] = r.error!.traceback.map(strip);
  assert.match(stack, new RegExp(`^RangeError: max_length must be positive, got -1\\n    at check_length \\(In\\[${n}\\]:3:11\\)\\n    at In\\[${n}\\]:7:1`));
  assert.doesNotMatch(stack, /kernel[\\/](ts|server)|node:/, "no kernel or node frames");
  assert.equal(where, `In[${n}]:3:11\n3     throw new RangeError(\`max_length must be positive, got \${max_length}\`);\n            ^`);
});

test("a cell failing at run time keeps what ran before the error (IPython); one failing to type-check keeps nothing", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const failed = await run(k, 'const half = 1;\nimport { BertConfig } from "bertlab";\nconst boom: number = (() => { throw new Error("in the middle"); })();\nconst after_boom = 2;');
  assert.equal(failed.error?.evalue, "in the middle");
  const kept = await run(k, "`${half} ${new BertConfig({ hidden_size: 48 }).hidden_size}`");
  assert.equal(kept.result?.data["text/plain"], "'1 48'", JSON.stringify(kept.error));
  for (const name of ["boom", "after_boom"]) {
    const gone = await run(k, name);
    assert.equal(gone.error?.ename, "TSError");
    assert.match(gone.error!.evalue, new RegExp(`TS2304: Cannot find name '${name}'\\.`));
  }
  const bad = await run(k, 'import { BertTokenizer } from "bertlab";\nconst late: number = "x";');
  assert.equal(bad.error?.ename, "TSError");
  assert.match((await run(k, "late")).error?.evalue ?? "", /TS2304: Cannot find name 'late'\./);
  const again = await run(k, 'const half = 2;\nconst late = "redeclared";\nimport { BertConfig } from "bertlab";\n`${half} ${late} ${new BertConfig({ hidden_size: 48 }).hidden_size}`');
  assert.equal(again.reply.status, "ok", JSON.stringify(again.error));
  assert.equal(again.result?.data["text/plain"], "'2 redeclared 48'");
});

test("a cell's last value is an execute_result with a MIME bundle: tensor, chart, tokenizer output, model output", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const tensor = await run(k, 'import { tf } from "bertlab";\ntf.tensor2d([[5.995, -5.5033]])');
  assert.equal(tensor.result?.execution_count, tensor.reply.execution_count);
  assert.equal(tensor.result?.data["text/plain"], "tensor([[ 5.9950, -5.5033]])");
  assert.match(tensor.result?.data["text/html"], /tensor · shape \[1, 2\] · float32.*<td[^>]*>5\.9950<\/td><td[^>]*>-5\.5033<\/td>/s);

  const chart = await run(k, 'import { vega_lite } from "bertlab";\nvega_lite({ mark: "bar", data: { values: [{ a: "x", b: 1 }, { a: "y", b: 3 }] }, encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } } }, "two bars")');
  const cd = chart.result?.data ?? {};
  assert.deepEqual(Object.keys(cd).sort(), [VEGA_LITE_MIME, "image/png", "image/svg+xml", "text/plain"].sort());
  assert.equal(cd["text/plain"], "<VegaLite chart: two bars>");
  assert.deepEqual(cd[VEGA_LITE_MIME].data.values, [{ a: "x", b: 1 }, { a: "y", b: 3 }]);
  assert.match(cd["image/svg+xml"], /^<svg/);
  assert.ok(count_ink(decode_png(Buffer.from(cd["image/png"], "base64"))) > 500, "the PNG has ink");

  const tok = await run(k, 'import { BertTokenizer } from "bertlab";\nconst tokenizer = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased");\ntokenizer("hello world")');
  assert.equal(tok.reply.status, "ok", JSON.stringify(tok.error));
  const th = tok.result?.data["text/html"] as string;
  for (const row of ["tokens", "input_ids", "token_type_ids", "attention_mask"]) assert.match(th, new RegExp(`>${row}<`), row);
  for (const t of ["[CLS]", "hello", "world", "[SEP]", ">101<", ">7592<", ">2088<", ">102<"]) assert.ok(th.includes(t.replace("[", "[")), `${t} in the token table`);
  assert.match(tok.result?.data["text/plain"], /^\{'input_ids': \[ 101, 7592, 2088, 102 \], 'token_type_ids': \[ 0, 0, 0, 0 \], 'attention_mask': \[ 1, 1, 1, 1 \]\}$/);

  const out = await run(k, `import { BertForSequenceClassification } from "bertlab";
const clf = new BertForSequenceClassification({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 16, num_labels: 3 });
clf.eval();
clf({ input_ids: tf.tensor2d([[2, 5, 7, 3]], undefined, "int32") })`);
  assert.equal(out.reply.status, "ok", JSON.stringify(out.error));
  const lines = String(out.result?.data["text/plain"]).split("\n");
  assert.match(lines[0], /^BertForSequenceClassification output \(engine: \w+\)$/);
  assert.ok(lines.some((l) => /^\s+logits\s+float32 \[1, 3\]\s+tensor\(\[\[/.test(l)), lines.join("\n"));
  assert.match(out.result?.data["text/html"], /<td[^>]*>logits<\/td><td[^>]*>float32 \[1, 3\]<\/td>/);
});

test("objects written for Deno's kernel render: [Symbol.for('Jupyter.display')]() (sync or async) is the bundle", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const sync = await run(k, 'class Card { [Symbol.for("Jupyter.display")]() { return { "text/markdown": "**BERT**", "text/plain": "BERT card" }; } }\nnew Card()');
  assert.deepEqual(sync.result?.data, { "text/markdown": "**BERT**", "text/plain": "BERT card" });
  const later = await run(k, '({ async [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>later</b>" }; }, name: "x" })');
  assert.equal(later.result?.data["text/html"], "<b>later</b>");
  assert.match(later.result?.data["text/plain"], /name: 'x'/, "text/plain added from util.inspect");
  const broken = await run(k, '({ [Symbol.for("Jupyter.display")]() { throw new Error("no bundle"); }, v: 7 })');
  assert.match(broken.result?.data["text/plain"], /^\{ v: 7, /, "a failing display method falls back to text");
  assert.match(broken.stderr, /\[Symbol\.for\("Jupyter\.display"\)\]\(\) failed: Error: no bundle/);
});

test("complete and inspect know bertlab's names (cursor span, signature, doc comment)", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const code = 'import { AutoTokenizer, BertConfig } from "bertlab";\nAutoTokenizer.from_pre';
  const c = await k.send_request("shell", "complete_request", { code, cursor_pos: code.length });
  assert.equal(c?.content.status, "ok");
  assert.ok(c!.content.matches.includes("from_pretrained"), c!.content.matches.join(","));
  assert.equal(c!.content.cursor_start, code.length - "from_pre".length);
  assert.equal(c!.content.cursor_end, code.length);
  const code2 = 'import { BertConfig } from "bertlab";\nnew BertConfig({}).num_attention_h';
  const c2 = await k.send_request("shell", "complete_request", { code: code2, cursor_pos: code2.length });
  assert.deepEqual(c2!.content.matches, ["num_attention_heads"]);
  const named = code + "trained";
  const i = await k.send_request("shell", "inspect_request", { code: named, cursor_pos: named.length, detail_level: 0 });
  assert.equal(i?.content.found, true);
  const plain = i!.content.data["text/plain"] as string;
  assert.match(plain, /from_pretrained/);
  assert.match(plain, /Promise</, "the signature");
  assert.ok(plain.split("\n\n").length >= 2, `a doc comment under the signature:\n${plain}`);
  assert.match(i!.content.data["text/markdown"], /^```typescript\n/);
  const none = await k.send_request("shell", "inspect_request", { code: "   ", cursor_pos: 1, detail_level: 0 });
  assert.equal(none?.content.found, false);
});

test("history: tail, range and search over this session, kept in the user's file for the next kernel", { timeout: 300_000 }, async () => {
  const k = await kernel();
  await run(k, "const hist_a = 6 * 7;");
  const a = await run(k, "hist_a");
  const tail = await k.send_request("shell", "history_request", { hist_access_type: "tail", n: 2, output: true, raw: true });
  const rows = tail!.content.history as Array<[number, number, [string, string | null]]>;
  assert.deepEqual(rows.map((r) => r[2]), [["const hist_a = 6 * 7;", null], ["hist_a", "42"]]);
  const session = rows[0][0];
  assert.equal(rows[1][1], a.reply.execution_count);
  const range = await k.send_request("shell", "history_request", { hist_access_type: "range", session: 0, start: rows[0][1], stop: rows[1][1] + 1, output: false, raw: true });
  assert.deepEqual(range!.content.history, [[session, rows[0][1], "const hist_a = 6 * 7;"], [session, rows[1][1], "hist_a"]]);
  const search = await k.send_request("shell", "history_request", { hist_access_type: "search", pattern: "hist_*", unique: true, output: false, raw: true });
  assert.deepEqual(search!.content.history.map((r: unknown[]) => r[2]), ["hist_a"]);

  // a new kernel (a new session) of the same user sees it
  const k2 = await KernelClient.start({ cwd: ROOT, env, startup_timeout_ms: 120_000 });
  try {
    const t2 = await k2.send_request("shell", "history_request", { hist_access_type: "search", pattern: "const hist_a*", output: false, raw: true });
    assert.deepEqual(t2!.content.history, [[session, rows[0][1], "const hist_a = 6 * 7;"]]);
    const prev = await k2.send_request("shell", "history_request", { hist_access_type: "range", session: -1, start: rows[1][1], stop: rows[1][1] + 1, output: true, raw: true });
    assert.deepEqual(prev!.content.history, [[session, rows[1][1], ["hist_a", "42"]]]);
  } finally {
    await k2.shutdown();
  }
  const lines = fs.readFileSync(HISTORY, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.some((e) => e.input === "hist_a" && e.session === session));
});

/** True while `pid` runs (zombies count as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

test("SIGKILL of the front end: the kernel (even mid-loop) and a process its cell spawned are gone within seconds", { timeout: 300_000 }, async () => {
  // the front end: a node process holding a KernelClient; it prints the kernel's and the child's pids
  const front = `
const { KernelClient } = require(${JSON.stringify(path.join(ROOT, "dist", "kernel", "client.js"))});
(async () => {
  const k = await KernelClient.start({ cwd: ${JSON.stringify(ROOT)}, startup_timeout_ms: 120000 });
  let out = "";
  await k.execute('const { spawn } = require("child_process");\\nconst child = spawn("sleep", ["600"], { stdio: "ignore" });\\nconsole.log("child " + child.pid);', (m) => { if (m.content.text) out += m.content.text; });
  console.log("kernel " + k.pid + " " + out.trim());
  void k.execute("while (true) {}", () => {});
})();`;
  const proc = spawn(process.execPath, ["-e", front], { stdio: ["ignore", "pipe", "inherit"], env });
  const pids = await new Promise<{ kernel: number; child: number }>((res, rej) => {
    let text = "";
    proc.stdout.on("data", (d) => {
      text += d;
      const m = /kernel (\d+) child (\d+)/.exec(text);
      if (m) res({ kernel: Number(m[1]), child: Number(m[2]) });
    });
    proc.on("exit", (code) => rej(new Error(`front end exited (${code}) before reporting: ${text}`)));
  });
  assert.ok(alive(pids.kernel) && alive(pids.child), "both run before the kill");
  await new Promise((r) => setTimeout(r, 1000)); // the kernel is inside `while (true) {}` now
  proc.kill("SIGKILL");
  const deadline = Date.now() + 10_000;
  while ((alive(pids.kernel) || alive(pids.child)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = [alive(pids.kernel) && `kernel ${pids.kernel}`, alive(pids.child) && `child ${pids.child}`].filter(Boolean);
  for (const p of [pids.kernel, pids.child]) if (alive(p)) process.kill(p, "SIGKILL");
  assert.deepEqual(left, [], "nothing outlives the front end by 10 s");
});

test("a module created after a cell failed to find it is found by the next cell (a file watched on disk changed)", { timeout: 300_000 }, async () => {
  // TypeScript watches the folders of failed lookups; the change leaves a debounce timer pending that tslab's
  // converter alone cannot take ("Unexpected pending rebuildTimer" on every later cell)
  const dir = fs.mkdtempSync(path.join(home, "watch-"));
  const k = await KernelClient.start({ cwd: dir, env, startup_timeout_ms: 120_000 });
  try {
    const missing = await run(k, 'import { x } from "./later";\nx');
    assert.match(missing.error?.evalue ?? "", /TS2307: Cannot find module '\.\/later'/);
    fs.writeFileSync(path.join(dir, "later.ts"), "export const x: number = 5;\n");
    await new Promise((r) => setTimeout(r, 3000)); // the watcher's event arrives meanwhile
    const found = await run(k, 'import { x } from "./later";\nx * 2');
    assert.equal(found.result?.data["text/plain"], "10", JSON.stringify(found.error));
    assert.equal((await run(k, "x + 1")).result?.data["text/plain"], "6");
  } finally {
    await k.shutdown();
  }
});

test("user_expressions are evaluated after the cell, in its names, as MIME bundles (an error per expression)", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await k.send_request("shell", "execute_request", {
    code: "const ue_x = 21;", silent: false, store_history: true, allow_stdin: false, stop_on_error: true,
    user_expressions: { double: "ue_x * 2", card: '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>" + ue_x + "</b>" }; } })', bad: "ue_missing + 1" },
  });
  assert.equal(r?.content.status, "ok");
  const ue = r!.content.user_expressions;
  assert.deepEqual(ue.double, { status: "ok", data: { "text/plain": "42" }, metadata: {} });
  assert.equal(ue.card.data["text/html"], "<b>21</b>");
  assert.equal(ue.bad.status, "error");
  assert.equal(ue.bad.ename, "TSError");
  assert.match(ue.bad.evalue, /TS2304: Cannot find name 'ue_missing'/);
  const next = await run(k, "ue_x");
  assert.equal(next.result?.data["text/plain"], "21", "the cell's names are intact");
});
