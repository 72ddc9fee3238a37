// IPython's magics in bertlab's kernel, through the protocol (kernel/client.ts over zeromq) as a front end sends
// them: %time / %%time (IPython's report, the value as Out, names kept), %timeit / %%timeit (IPython's line,
// auto-chosen loops, -n / -r / -o), !cmd and %%bash (streamed output, exit status), %cd / %pwd / %env,
// %who / %whos, %history, %load (set_next_input payload), %run, %xmode with trimmed library frames, %lsmagic,
// unknown magics, completion and is_complete of magics, clear_output / display_id / update_display, and the
// concise reprs of tokenizers, optimizers and configs as cell values. Needs `npm run build` (cells import "bertlab").
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient, ExecuteReply } from "../kernel/client";
import { shared_kernel } from "./helpers/shared_kernel";
import type { Message } from "../kernel/messaging";

const ROOT = path.join(__dirname, "..");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-magics-"));
const env = { ...process.env, BERTLAB_HISTORY_FILE: path.join(home, "history.jsonl"), HF_HUB_OFFLINE: "1" };
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

type Run = { reply: ExecuteReply; msgs: Message[]; stdout: string; stderr: string; out?: string; error?: Record<string, any>; times: number[] };

async function run(k: KernelClient, code: string): Promise<Run> {
  const msgs: Message[] = [];
  const times: number[] = [];
  const reply = await k.execute(code, (m) => (msgs.push(m), times.push(Date.now())), 240_000);
  const text = (name: string) => msgs.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => m.content.text).join("");
  const out = msgs.find((m) => m.header.msg_type === "execute_result")?.content.data["text/plain"];
  const error = msgs.find((m) => m.header.msg_type === "error")?.content;
  return { reply, msgs, stdout: text("stdout"), stderr: text("stderr"), out, error, times };
}

/** One kernel for the tests that only need a live one. */
const kernel = shared_kernel(ROOT, env);

const TIME = /^CPU times: user [\d.]+(e[+-]\d+)? (s|ms|µs|ns), sys: [\d.]+(e[+-]\d+)? (s|ms|µs|ns), total: [\d.]+(e[+-]\d+)? (s|ms|µs|ns)\nWall time: [\d.]+(e[+-]\d+)? (s|ms|µs|ns)\n/;
const TIMEIT = /^[\d.]+(e[+-]\d+)? (s|ms|µs|ns) ± [\d.]+(e[+-]\d+)? (s|ms|µs|ns) per loop \(mean ± std\. dev\. of (\d+) runs?, ([\d,]+) loops? each\)$/m;

test("%time EXPR and %%time: IPython's report, the value as Out[n], names of earlier cells usable and declared names kept", { timeout: 300_000 }, async () => {
  const k = await kernel();
  assert.equal((await run(k, "const a = 42;")).reply.status, "ok");
  const t = await run(k, "%time a * 2");
  assert.equal(t.reply.status, "ok", JSON.stringify(t.error));
  assert.match(t.stdout, TIME);
  assert.equal(t.out, "84");
  const cell = await run(k, "%%time\nconst b = a + 1;\nb * 10");
  assert.match(cell.stdout, TIME);
  assert.equal(cell.out, "430");
  assert.equal((await run(k, "b")).out, "43", "%%time keeps what the cell declares");
  // errors keep the cell's own line and column
  const bad = await run(k, 'const q = 1;\n%time q.nope()');
  assert.equal(bad.error?.ename, "TSError");
  assert.match(bad.error!.evalue, /^In\[\d+\]:2:9 - TS2339: Property 'nope' does not exist/);
});

test("%timeit: IPython's line with auto-chosen loops (1, 2, 5, 10, … until a run takes ≥ 0.2 s); -n / -r; -o returns the result; %%timeit with setup", { timeout: 300_000 }, async () => {
  const k = await kernel();
  await run(k, "const xs = Array.from({ length: 1000 }, (_, i) => i);");
  const auto = await run(k, "%timeit xs.reduce((s, x) => s + x, 0)");
  assert.equal(auto.reply.status, "ok", JSON.stringify(auto.error));
  const m = TIMEIT.exec(auto.stdout);
  assert.ok(m, auto.stdout);
  assert.equal(m[5], "7");
  const loops = Number(m[6].replace(/,/g, ""));
  assert.match(String(loops), /^(1|2|5)0*$/, `loops ${loops} is 1, 2 or 5 × 10^k`);
  assert.ok(loops >= 10, `a microsecond statement runs many loops per run (${loops})`);
  const fixed = await run(k, "%timeit -n 3 -r 2 xs.length");
  assert.match(fixed.stdout, /per loop \(mean ± std\. dev\. of 2 runs, 3 loops each\)\n$/);
  const ret = await run(k, "%timeit -o -q -n 1 -r 3 xs.slice()");
  assert.equal(ret.stdout, "", "-q prints nothing");
  assert.match(ret.out ?? "", /^<TimeitResult : .* per loop \(mean ± std\. dev\. of 3 runs, 1 loop each\)>$/);
  const cell = await run(k, "%%timeit -n 2 -r 2 const ys = xs.map((x) => x * 2);\nys.reverse();");
  assert.match(cell.stdout, /of 2 runs, 2 loops each\)/);
  // a type error in the statement points at the cell's line and column
  const bad = await run(k, "const a2 = 1;\n%timeit -n 2 a2 + nope");
  assert.match(bad.error!.evalue, /^In\[\d+\]:2:19 - TS2304: Cannot find name 'nope'\.$/);
  const slow = await run(k, "%timeit -r 1 await new Promise((r) => setTimeout(r, 120))");
  assert.match(slow.stdout, /^1\d\d ms ± 0 ns per loop \(mean ± std\. dev\. of 1 run, 2 loops each\)/, "an awaited statement is timed too (120 ms: 1 loop < 0.2 s, 2 loops ≥ 0.2 s)");
});

test("!cmd and %%bash stream output as it comes and show a non-zero exit status", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await run(k, "!echo first; sleep 0.6; echo second; echo oops >&2; exit 3");
  assert.equal(r.reply.status, "ok", "!cmd's exit status does not fail the cell (as IPython)");
  assert.equal(r.stdout, "first\nsecond\n");
  assert.equal(r.stderr, "oops\nexit status 3\n");
  const first = r.msgs.findIndex((m) => m.header.msg_type === "stream" && /first/.test(m.content.text));
  const second = r.msgs.findIndex((m) => m.header.msg_type === "stream" && /second/.test(m.content.text));
  assert.ok(first >= 0 && second > first && r.times[second] - r.times[first] >= 400, "the first line arrived before the command ended");
  const bash = await run(k, "%%bash\nfor i in 1 2; do echo line $i; done\nexit 2");
  assert.equal(bash.stdout, "line 1\nline 2\n");
  assert.equal(bash.error?.ename, "CalledProcessError");
  assert.equal(bash.error?.evalue, "%%bash: the script returned non-zero exit status 2");
  const sh = await run(k, "%%sh\necho $((6 * 7))");
  assert.equal(sh.stdout, "42\n");
  // IPython's expansion of the cells' names: $name, {name.field}; other $VARS are the shell's; $$ is a literal $
  const expanded = await run(k, 'const who_ = "bert";\nconst cfg_ = { layers: 12 };\n!echo $who_ {cfg_.layers} $HOME_UNSET_42x $$');
  assert.equal(expanded.stdout, "bert 12 $\n");
  // a cell mixing TypeScript, a shell line and a magic runs them in order
  const mixed = await run(k, 'const word = "mixed";\n!echo shell\nconsole.log(word);\n%pwd');
  assert.equal(mixed.stdout, "shell\nmixed\n");
  assert.equal(mixed.out, `'${ROOT}'`);
});

test("an interrupt stops a running shell command: the cell ends with KeyboardInterrupt and the kernel keeps going", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const t0 = Date.now();
  let sent = false;
  const msgs: Message[] = [];
  const reply = await k.execute("!echo started; sleep 30; echo never", (m) => {
    msgs.push(m);
    if (!sent && m.header.msg_type === "stream" && /started/.test(m.content.text)) {
      sent = true;
      void k.send_request("control", "interrupt_request", {}, 10_000);
    }
  }, 60_000);
  assert.equal(reply.content?.ename, "KeyboardInterrupt");
  assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
  assert.ok(!msgs.some((m) => m.header.msg_type === "stream" && /never/.test(m.content.text)));
  assert.equal((await run(k, "1 + 1")).out, "2");
});

test("%cd, %pwd and %env (list, get, set) change and show the kernel process's state", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const cd = await run(k, `%cd ${home}`);
  assert.equal(cd.stdout, `${fs.realpathSync(home)}\n`);
  assert.equal((await run(k, "%pwd")).out, `'${fs.realpathSync(home)}'`);
  assert.equal((await run(k, "process.cwd()")).out, `'${fs.realpathSync(home)}'`, "cells see the new folder");
  assert.equal((await run(k, "%cd -")).stdout, `${ROOT}\n`);
  assert.equal((await run(k, "%cd /no/such/folder")).error?.evalue, "%cd: /no/such/folder: no such directory");
  assert.equal((await run(k, "%env BERTLAB_MAGIC=on air")).stdout, "env: BERTLAB_MAGIC=on air\n");
  assert.equal((await run(k, "%env BERTLAB_MAGIC")).out, "'on air'");
  assert.equal((await run(k, "process.env.BERTLAB_MAGIC")).out, "'on air'");
  assert.match((await run(k, "%env")).out ?? "", /BERTLAB_MAGIC: 'on air'/);
  assert.equal((await run(k, "%env NOT_SET_ANYWHERE_42")).error?.ename, "KeyError");
});

test("%who / %whos list the cells' names with types, tensor shapes and values; %history shows this session's inputs", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const setup = await run(k, 'import { tf } from "bertlab";\nconst scores = tf.zeros([2, 3]);\nconst label = "positive";\nfunction twice(x: number) { return 2 * x; }');
  assert.equal(setup.reply.status, "ok", JSON.stringify(setup.error));
  const who = await run(k, "%who");
  for (const n of ["scores", "label", "twice", "tf"]) assert.match(who.stdout, new RegExp(`(^|\\t)${n}\\t`), `${n} in %who: ${who.stdout}`);
  const whos = await run(k, "%whos");
  const lines = whos.stdout.split("\n");
  assert.match(lines[0], /^Variable\s+Type\s+Data\/Info$/);
  assert.match(lines[1], /^-+$/);
  assert.ok(lines.some((l) => /^scores\s+Tensor\s+shape \[2, 3\] float32$/.test(l)), whos.stdout);
  assert.ok(lines.some((l) => /^label\s+string\s+'positive'$/.test(l)), whos.stdout);
  assert.ok(lines.some((l) => /^twice\s+function\s+twice$/.test(l)), whos.stdout);
  assert.match((await run(k, "%who Tensor")).stdout, /^scores\t\n$/);
  const h = await run(k, "%history -n");
  const n = h.reply.execution_count!;
  assert.match(h.stdout, new RegExp(`\\n\\s*${n - 4}: import \\{ tf \\} from "bertlab";\\n\\s+const scores = tf\\.zeros\\(\\[2, 3\\]\\);`));
  assert.match(h.stdout, new RegExp(`\\s${n}: %history -n\\n$`));
  const plain = await run(k, `%history ${n - 3}-${n - 2}`);
  assert.equal(plain.stdout, "%who\n%whos\n");
});

test("%load sets the next input (IPython's set_next_input payload); %run runs a file in the kernel's names", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const file = path.join(home, "snippet.ts");
  fs.writeFileSync(file, "const from_file = 6 * 7;\nconsole.log(`ran ${from_file}`);\n");
  const load = await run(k, `%load ${file}`);
  assert.equal(load.reply.status, "ok");
  assert.deepEqual(load.reply.content?.payload, [{ source: "set_next_input", text: `// %load ${file}\nconst from_file = 6 * 7;\nconsole.log(\`ran \${from_file}\`);\n`, replace: true }]);
  const written = path.join(home, "written.ts");
  assert.equal((await run(k, `%%writefile ${written}\nconst w = 1;`)).stdout, `Writing ${written}\n`);
  assert.equal((await run(k, `%%writefile -a ${written}\nconst w2 = 2;`)).stdout, `Appending to ${written}\n`);
  assert.equal(fs.readFileSync(written, "utf8"), "const w = 1;\nconst w2 = 2;\n");
  const nowhere = path.join(home, "no-such-folder", "x.ts");
  assert.equal((await run(k, `%%writefile ${nowhere}\n1`)).error?.ename, "FileNotFoundError");
  assert.ok(!fs.existsSync(path.dirname(nowhere)), "no folder is made");
  const r = await run(k, `%run ${file}`);
  assert.equal(r.stdout, "ran 42\n");
  assert.equal((await run(k, "from_file + 1")).out, "43", "what the file declares stays");
  assert.equal((await run(k, "%run /no/such.ts")).error?.ename, "FileNotFoundError");
});

test("%xmode: a tfjs error shows the cell's frame and the library call, not tfjs internals; Verbose shows all; Minimal none", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const code = 'import { tf } from "bertlab";\nconst m = tf.zeros([2, 3]);\ntf.matMul(m, m);';
  const ctx = await run(k, code);
  const n = ctx.reply.execution_count;
  assert.match(ctx.error!.evalue, /Error in matMul: inner shapes \(3\) and \(2\) of Tensors with shapes 2,3 and 2,3/);
  const [stack, where] = ctx.error!.traceback.map(strip);
  const frames = stack.split("\n").filter((l) => /^\s+at /.test(l));
  assert.equal(frames.length, 2, stack);
  assert.match(frames[0], /matMul/, "the library function the cell called");
  assert.match(frames[1], new RegExp(`at In\\[${n}\\]:3:4`));
  assert.match(stack, /\(\d+ library frames hidden; %xmode Verbose shows them\)/);
  assert.match(where, new RegExp(`^In\\[${n}\\]:3:4\\n3 tf\\.matMul\\(m, m\\);\\n     \\^$`));
  assert.equal((await run(k, "%xmode Verbose")).stdout, "Exception reporting mode: Verbose\n");
  const verbose = await run(k, code);
  const all = strip(verbose.error!.traceback[0]).split("\n").filter((l) => /^\s+at /.test(l));
  assert.ok(all.length > frames.length + 2 && all.some((l) => /node_modules[\\/]@tensorflow/.test(l)), all.join("\n"));
  assert.equal((await run(k, "%xmode minimal")).stdout, "Exception reporting mode: Minimal\n");
  const minimal = await run(k, code);
  assert.deepEqual(minimal.error!.traceback.map(strip), [`Error: ${minimal.error!.evalue}`]);
  await run(k, "%xmode Context");
});

test("%lsmagic lists the magics; an unknown %x says so and lists the known ones", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const ls = await run(k, "%lsmagic");
  assert.match(ls.stdout, /^Available line magics:\n%cd  %env  %history .*%timeit .*%xmode\n\nAvailable cell magics:\n%%bash  %%sh  %%time  %%timeit  %%writefile\n/);
  const bad = await run(k, "%tiem 1+1");
  assert.equal(bad.error?.ename, "UsageError");
  assert.match(bad.error!.evalue, /^Line magic function `%tiem` not found\. Known line magics: %cd %env .*%time %timeit/);
  const cell = await run(k, "%%pyhton\nprint(1)");
  assert.match(cell.error!.evalue, /^Cell magic `%%pyhton` not found\. Known cell magics: %%bash %%sh %%time %%timeit %%writefile$/);
});

test("magic-looking lines inside strings, templates and comments, and ternaries split over lines, stay TypeScript", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await run(k, "const s = `\n!not a shell line\n%not a magic\n`;\n/*\n%neither\n*/\nconst v = s.length > 3\n  ? s.length\n  : 0;\nv");
  assert.equal(r.reply.status, "ok", JSON.stringify(r.error));
  assert.equal(r.out, "32");
});

test("complete_request completes magics (%ti → %time, %timeit); is_complete_request calls a %%bash cell complete", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const c = await k.send_request("shell", "complete_request", { code: "%ti", cursor_pos: 3 });
  assert.deepEqual(c?.content.matches, ["%time", "%timeit"]);
  assert.equal(c?.content.cursor_start, 0);
  const cell = await k.send_request("shell", "complete_request", { code: "%%ba", cursor_pos: 4 });
  assert.deepEqual(cell?.content.matches, ["%%bash"]);
  const second = await k.send_request("shell", "complete_request", { code: "const x = 1;\n%wh", cursor_pos: 16 });
  assert.deepEqual(second?.content.matches, ["%who", "%whos"]);
  assert.equal(second?.content.cursor_start, 13);
  // the statement after %time / %timeit completes as TypeScript
  await run(k, "const words_ = ['a', 'b'];");
  const stmt = await k.send_request("shell", "complete_request", { code: "%timeit -n 3 words_.jo", cursor_pos: 22 });
  assert.deepEqual(stmt?.content.matches, ["join"]);
  assert.equal(stmt?.content.cursor_start, 20);
  const bash = await k.send_request("shell", "is_complete_request", { code: "%%bash\nfor i in 1 2; do" });
  assert.equal(bash?.content.status, "complete");
  const line = await k.send_request("shell", "is_complete_request", { code: "%time 1 + 1" });
  assert.equal(line?.content.status, "complete");
  const help = await k.send_request("shell", "is_complete_request", { code: 'import { BertModel } from "bertlab";\nBertModel?' });
  assert.equal(help?.content.status, "complete", "a help line ends the cell");
  const open = await k.send_request("shell", "is_complete_request", { code: "!ls\nfunction f() {" });
  assert.equal(open?.content.status, "incomplete", "the TypeScript lines of a mixed cell decide");
  const ts = await k.send_request("shell", "is_complete_request", { code: "function f() {" });
  assert.equal(ts?.content.status, "incomplete", "TypeScript cells are judged as before");
});

test("clear_output({ wait }), display(obj, { display_id }) with handle.update, and update_display, exported from bertlab", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await run(k, [
    'import { clear_output, display, update_display } from "bertlab";',
    'console.log("step 1");',
    "clear_output({ wait: true });",
    'const h = await display("epoch 1", { display_id: true });',
    'await h.update("epoch 2");',
    'await display({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>fixed</b>" }; } }, { display_id: "fixed-id" });',
    'await update_display("replaced", { display_id: "fixed-id" });',
    "h.display_id.length",
  ].join("\n"));
  assert.equal(r.reply.status, "ok", JSON.stringify(r.error));
  const kinds = r.msgs.map((m) => m.header.msg_type).filter((t) => /stream|clear_output|display/.test(t));
  assert.deepEqual(kinds, ["stream", "clear_output", "display_data", "update_display_data", "display_data", "update_display_data"]);
  const [clear] = r.msgs.filter((m) => m.header.msg_type === "clear_output");
  assert.deepEqual(clear.content, { wait: true });
  const shown = r.msgs.filter((m) => /display_data/.test(m.header.msg_type));
  assert.equal(shown[0].content.data["text/plain"], "epoch 1");
  assert.equal(shown[1].content.data["text/plain"], "epoch 2");
  assert.equal(shown[0].content.transient.display_id, shown[1].content.transient.display_id);
  assert.equal(shown[2].content.data["text/html"], "<b>fixed</b>");
  assert.deepEqual([shown[2].content.transient.display_id, shown[3].content.transient.display_id], ["fixed-id", "fixed-id"]);
  assert.equal(shown[3].content.data["text/plain"], "replaced");
  assert.equal(r.out, "32");
  const bad = await run(k, 'import { update_display } from "bertlab";\nawait update_display(1, {} as any);');
  assert.match(bad.error!.evalue, /^update_display: expected \{ display_id: string \}/);
});

test("a tokenizer, an AdamW, a scheduler and a config print as transformers / torch print them", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const setup = await run(k, [
    'import { AutoTokenizer, AdamW, BertConfig, get_linear_schedule_with_warmup } from "bertlab";',
    'const tokenizer = await AutoTokenizer.from_pretrained("bertlab/mini-bert-uncased");',
    "const optimizer = new AdamW({ lr: 5e-5 });",
    "const scheduler = get_linear_schedule_with_warmup(optimizer, { num_warmup_steps: 10, num_training_steps: 100 });",
  ].join("\n"));
  assert.equal(setup.reply.status, "ok", JSON.stringify(setup.error));
  const tok = (await run(k, "tokenizer")).out!;
  assert.match(tok, /^BertTokenizerFast\(name_or_path='bertlab\/mini-bert-uncased', vocab_size=30522, model_max_length=128, is_fast=True, padding_side='right', truncation_side='right', special_tokens=\{'unk_token': '\[UNK\]', 'sep_token': '\[SEP\]', 'pad_token': '\[PAD\]', 'cls_token': '\[CLS\]', 'mask_token': '\[MASK\]'\}, clean_up_tokenization_spaces=True\),  added_tokens_decoder=\{\n\t0: AddedToken\("\[PAD\]"/);
  assert.equal(tok.split("\n").length, 7, "the line and five special tokens (was 359 lines of internals)");
  assert.equal((await run(k, "optimizer")).out, "AdamW (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    eps: 1e-08\n    initial_lr: 5e-05\n    lr: 0.0\n    weight_decay: 0.01\n)");
  assert.equal((await run(k, "scheduler")).out, "LambdaLR(optimizer=AdamW, last_epoch=0, last_lr=[0.0])");
  const cfg = (await run(k, "new BertConfig({ hidden_size: 48 })")).out!;
  assert.match(cfg, /^BertConfig \{\n  "attention_probs_dropout_prob": 0\.1,\n[\s\S]*\n  "hidden_size": 48,\n[\s\S]*\n\}$/);
  // a model prints torch's module tree, a pipeline one line
  const model = await run(k, 'import { BertForSequenceClassification } from "bertlab";\nnew BertForSequenceClassification({ vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 16 })');
  assert.match(model.out!, /^BertForSequenceClassification\(\n  \(bert\): BertModel\(\n    \(embeddings\): BertEmbeddings\(/);
  const pipe = await run(k, 'import { pipeline } from "bertlab";\nawait pipeline("fill-mask", "bertlab/mini-bert-uncased")');
  assert.equal(pipe.out, "FillMaskPipeline { task: 'fill-mask', model: BertForMaskedLM 'bertlab/mini-bert-uncased', tokenizer: BertTokenizerFast 'bertlab/mini-bert-uncased' }");
  const logged = await run(k, "console.log(optimizer)");
  assert.match(logged.stdout, /^AdamW \(\nParameter Group 0\n/, "console.log prints the same");
});
