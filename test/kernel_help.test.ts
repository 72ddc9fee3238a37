// IPython's help in bertlab's kernel, through the protocol: `name?` / `name??` / `?name` on any line of a cell (the
// rest of the cell runs), pages with every overload, option fields with doc and default, the doc comment, a class's
// constructor and public members, the source for `??` (a module's .ts, bertlab's src beside its dist .d.ts, a cell's
// own definition), inspect_request returning the same page, and Python names typed by habit. The documented
// fixture is test/fixtures/kernel/help/scorer.ts. Needs `npm run build` (cells import "bertlab").
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelClient } from "../kernel/client";
import { shared_kernel } from "./helpers/shared_kernel";
import type { Message } from "../kernel/messaging";

const ROOT = path.join(__dirname, "..");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kernel-help-"));
const env = { ...process.env, BERTLAB_HISTORY_FILE: path.join(home, "history.jsonl"), HF_HUB_OFFLINE: "1" };
const FIXTURE = "./test/fixtures/kernel/help/scorer";

/** One kernel for the tests that only need a live one. */
const kernel = shared_kernel(ROOT, env);

/** Runs a cell; returns its reply status, stdout, error and the pager's text/plain (null without a page). */
async function page(k: KernelClient, code: string): Promise<{ status: string; page: string | null; md: string | null; stdout: string; error?: Record<string, any> }> {
  const msgs: Message[] = [];
  const reply = await k.execute(code, (m) => msgs.push(m), 240_000);
  const payload = (reply.content?.payload ?? []) as Array<{ source: string; data: Record<string, string> }>;
  const p = payload.find((x) => x.source === "page");
  const stdout = msgs.filter((m) => m.header.msg_type === "stream" && m.content.name === "stdout").map((m) => m.content.text).join("");
  return { status: reply.status, page: p?.data["text/plain"] ?? null, md: p?.data["text/markdown"] ?? null, stdout, error: msgs.find((m) => m.header.msg_type === "error")?.content };
}

test("`Name?` on the last line of a cell that imports it: the import runs, the page has the constructor, doc, init doc, static and public members", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await page(k, `import { Scorer } from "${FIXTURE}";\nScorer?`);
  assert.equal(r.status, "ok", JSON.stringify(r.error));
  assert.equal(
    r.page,
    [
      "(alias) class Scorer",
      "",
      "Signature:\n  new Scorer(labels: string[]): Scorer",
      "",
      "Docstring:\n  A toy scorer that counts label words in a text.",
      "",
      "Init docstring:\n  Makes a scorer over `labels`.",
      "",
      "Static members:\n  from_sentence(sentence: string): Scorer\n      A scorer over the words of a sentence.",
      "",
      "Members:\n  labels: string[]\n      The labels it counts.\n  score(text: string, options?: ScoreOptions): number (+1 overloads)\n      Scores one text: how many of the labels it contains.",
      "",
      `File:\n  ${path.join(ROOT, "test/fixtures/kernel/help/scorer.ts")}`,
    ].join("\n"),
    "the private member is left out",
  );
  assert.match(r.md!, /^```typescript\n\(alias\) class Scorer\n```\n\n\*\*Signature\*\*/);
  // the import ran: the name is there for the next cell
  assert.equal((await page(k, "Scorer.name")).status, "ok");
});

test("`obj.method??`: every overload with its doc, the option object's fields with doc and default, and the source", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await page(k, `import { Scorer } from "${FIXTURE}";\nconst scorer = new Scorer(["a", "b"]);\nscorer.score??`);
  assert.equal(r.status, "ok", JSON.stringify(r.error));
  const p = r.page!;
  assert.match(p, /Signatures \(2 overloads\):\n  score\(text: string, options\?: ScoreOptions\): number\n      Scores one text: how many of the labels it contains\.\n  score\(texts: string\[\], options\?: ScoreOptions\): number\[\]\n      Scores each text\./);
  assert.match(p, /Options \(options: ScoreOptions\):\n  temperature\?: number = 1\.0 — Temperature of the softmax over the labels\.\n  top_k\?: number = 5 — How many labels to keep\./);
  assert.match(p, /Source:\n  \/\*\* Scores one text: how many of the labels it contains\. \*\/\n  score\(text: string, options\?: ScoreOptions\): number;\n  \/\*\* Scores each text\. \*\/\n  score\(texts: string\[\], options\?: ScoreOptions\): number\[\];\n  score\(x: string \| string\[\], options: ScoreOptions = \{\}\): number \| number\[\] \{\n/);
  // `?name` (IPython's prefix form) and an instance: its class's doc and members
  const inst = await page(k, "?scorer");
  assert.match(inst.page!, /^const scorer: Scorer\n\nClass Scorer:\n  A toy scorer that counts label words in a text\.\n\nMembers:\n  labels: string\[\]/);
  assert.match(inst.page!, /\n\nString form:\n  Scorer \{ labels: \[ 'a', 'b' \], secret: 7 \}$/, "IPython's String form: the value's repr");
});

test("`??` of a function a cell defined shows the cell's source; a name that does not exist says so", { timeout: 300_000 }, async () => {
  const k = await kernel();
  await page(k, "/** Doubles x. */\nfunction double_it(x: number): number {\n  return 2 * x;\n}");
  const r = await page(k, "double_it??");
  assert.equal(r.page, "function double_it(x: number): number\n\nSignature:\n  double_it(x: number): number\n\nDocstring:\n  Doubles x.\n\nFile:\n  (defined in a cell)\n\nSource:\n  /** Doubles x. */\n  function double_it(x: number): number {\n    return 2 * x;\n  }");
  const missing = await page(k, "no_such_name_here?");
  assert.equal(missing.status, "ok");
  assert.equal(missing.page, null);
  assert.equal(missing.stdout, "Object `no_such_name_here` not found.\n");
});

test("bertlab's own API: all overloads and options of from_pretrained, the source from src/ beside dist's .d.ts", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await page(k, 'import { BertModel } from "bertlab";\nBertModel.from_pretrained??');
  assert.equal(r.status, "ok", JSON.stringify(r.error));
  const p = r.page!;
  assert.match(p, /Signatures \(2 overloads\):\n  from_pretrained<T extends BertPreTrainedModel<object>>\(this: ModelClass<T>, id_or_path: string, options: FromPretrainedOptions & \{ output_loading_info: true; \}\): Promise<\[T, LoadingInfo\]>/);
  assert.match(p, /\n  local_files_only\?: boolean — Never touch the network; use local folders, the cache and the shipped models only\.\n/);
  assert.match(p, new RegExp(`File:\\n  ${path.join(ROOT, "src/models/bert/pretrained.ts").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n`));
  assert.match(p, /Source:\n  (\/\*\*[\s\S]*?\*\/\n  )?static async from_pretrained<T extends BertPreTrainedModel>\(this: ModelClass<T>, id_or_path: string, options: FromPretrainedOptions & \{ output_loading_info: true \}\): Promise<\[T, LoadingInfo\]>;/);
  // the jupyter suite's pager sample, multi-line
  const cls = await page(k, 'import { BertModel } from "bertlab";\nBertModel?');
  // (the order of a union is the checker's: it follows when each type was first seen, which depends on what the cells loaded first)
  assert.match(cls.page!, /^\(alias\) class BertModel\n\nSignature:\n  new BertModel\(config: (?:BertConfig \| BertConfigDict|BertConfigDict \| BertConfig), add_pooling_layer\?: boolean\): BertModel\n/);
  assert.match(cls.page!, /\nStatic members:\n[\s\S]*\n  from_pretrained<T extends BertPreTrainedModel<object>>\(/);
  assert.match(cls.page!, /\nMembers:\n[\s\S]*\n  forward<I extends BertInputs>\(inputs: I\): OutputFor<I, BertModelOutput>\n/);
});

test("inspect_request (Shift-Tab) returns the same page, detail_level 1 with the source; before the cell ran, too", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const code = `import { Scorer } from "${FIXTURE}";\nScorer.from_sentence(`;
  const r = await k.send_request("shell", "inspect_request", { code, cursor_pos: code.length, detail_level: 0 });
  assert.equal(r?.content.status, "ok");
  assert.equal(r?.content.found, true);
  const text = r?.content.data["text/plain"] as string;
  assert.match(text, /^\(method\) Scorer\.from_sentence\(sentence: string\): Scorer\n\nSignature:\n  from_sentence\(sentence: string\): Scorer\n\nDocstring:\n  A scorer over the words of a sentence\./);
  assert.doesNotMatch(text, /Source:/);
  const d1 = await k.send_request("shell", "inspect_request", { code, cursor_pos: code.length - 1, detail_level: 1 });
  assert.match(d1?.content.data["text/plain"], /\nSource:\n  \/\*\* A scorer over the words of a sentence\. \*\/\n  static from_sentence\(sentence: string\): Scorer \{\n    return new Scorer\(sentence\.split\(" "\)\);\n  \}$/);
  // inside the call's arguments, and after %time
  const inside = `import { Scorer } from "${FIXTURE}";\nconst made = Scorer.from_sentence("a b".toUpperCase(), `;
  const args = await k.send_request("shell", "inspect_request", { code: inside, cursor_pos: inside.length, detail_level: 0 });
  assert.equal(args?.content.data["text/plain"], text);
  const timed = `import { Scorer } from "${FIXTURE}";\n%time Scorer.from_sentence`;
  const t = await k.send_request("shell", "inspect_request", { code: timed, cursor_pos: timed.length, detail_level: 0 });
  assert.equal(t?.content.data["text/plain"], text);
  const paged = await page(k, `import { Scorer } from "${FIXTURE}";\nScorer.from_sentence?`);
  assert.equal(paged.page, text, "the pager and Shift-Tab show the same page");
});

test("Python names typed by habit say what to write in bertlab: on the pager and in the compile error", { timeout: 300_000 }, async () => {
  const k = await kernel();
  await page(k, 'import { tf } from "bertlab";\nconst t = tf.zeros([2, 3]);');
  const habit = await page(k, "t.contiguous?");
  assert.equal(habit.page, "t.contiguous: not in bertlab (TypeScript).\n\ntorch's t.contiguous(): tfjs tensors are always laid out contiguously; drop it.");
  const err = await page(k, "t.contiguous()");
  assert.equal(err.error?.ename, "TSError");
  assert.match(err.error!.traceback.join("\n").replace(/\x1b\[[0-9;]*m/g, ""), /TS2339: Property 'contiguous' does not exist on type 'Tensor<Rank>'\.\n  torch's t\.contiguous\(\): tfjs tensors are always laid out contiguously; drop it\./);
  // torch names bertlab maps (src/training/torch_tensor.ts) page their own docs
  const view = await page(k, "t.view?");
  assert.match(view.page!, /^\(method\) Tensor<Rank>\.view\(\.\.\.shape: number\[\]\)[\s\S]*torch's `t\.view\(\.\.\.shape\)`/);
  // names bertlab does have page their own docs (encode_plus exists, model.to("cpu") is a documented shim)
  const to = await page(k, 'import { BertModel } from "bertlab";\nBertModel.prototype.to?');
  assert.match(to.page!, /Signatures \(2 overloads\):\n  to\(device: "cpu"\): BertModel\n[\s\S]*to\(this: "bertlab has no devices to move tensors or models between/);
});

test("`?` lines are only help where the cell is not TypeScript: `cond\\n  ? a\\n  : b` stays a ternary", { timeout: 300_000 }, async () => {
  const k = await kernel();
  const r = await page(k, "const flag = false;\nconst pick = flag\n  ? flag\n  : !flag;\npick");
  assert.equal(r.status, "ok", JSON.stringify(r.error));
  assert.equal(r.page, null);
});

test("Shift-Tab on a cell that imports a notebook's own .ts file, before any cell ran: the cell then runs it (its JavaScript is not used up by the warm-up's compiles)", { timeout: 300_000 }, async () => {
  const k = await KernelClient.start({ cwd: ROOT, env, startup_timeout_ms: 120_000 });
  try {
    const code = `import { Scorer } from "${FIXTURE}";\nScorer.from_sentence(`;
    const r = await k.send_request("shell", "inspect_request", { code, cursor_pos: code.length, detail_level: 0 });
    assert.equal(r?.content.found, true);
    await new Promise((res) => setTimeout(res, 1500)); // the warm-up and the take-in compile meanwhile
    const ran = await page(k, `import { Scorer } from "${FIXTURE}";\nScorer.from_sentence("a b").labels.length`);
    assert.equal(ran.status, "ok", JSON.stringify(ran.error));
  } finally {
    await k.shutdown();
  }
});
