// All-or-nothing folder writes (src/utils/atomic_dir.ts) at each crash point, seen through the loaders.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ready } from "../src/backend";
import { BertModel } from "../src/models";
import { BertTokenizer } from "../src/tokenizers";
import { write_files_atomic, JOURNAL_NAME, LOCK_NAME } from "../src/utils/atomic_dir";
import { writeFileAtomicSync } from "../src/utils/fs";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-atomic-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const tiny = (hidden: number) => new BertModel({ vocab_size: 50, hidden_size: hidden, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 8 });
const dead_pid = () => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);

/** The files a save of `model` would write, as a killed writer leaves them: temps, and a journal or not. */
function half_save(dir: string, model: BertModel, with_journal: boolean): void {
  const staging = path.join(root, `staging-${Math.random()}`);
  model.save_pretrained(staging);
  const txid = `${dead_pid()}-x-000000`;
  for (const name of ["config.json", "model.safetensors"]) fs.copyFileSync(path.join(staging, name), path.join(dir, `.${name}.bertlab-${txid}.tmp`));
  fs.writeFileSync(path.join(dir, LOCK_NAME), `${dead_pid()} ${os.hostname()} 1\n`);
  if (with_journal) fs.writeFileSync(path.join(dir, JOURNAL_NAME), JSON.stringify({ txid, files: ["config.json", "model.safetensors"], remove: [] }));
}

test("killed before its commit point, a save leaves the old model; after it, from_pretrained finishes the new one", async () => {
  await ready();
  const before = path.join(root, "before");
  tiny(8).save_pretrained(before);
  half_save(before, tiny(16), false);
  const [old, info] = await BertModel.from_pretrained(before, { output_loading_info: true, quiet: true });
  assert.equal(old.config.hidden_size, 8);
  assert.deepEqual(info.missing_keys, []);
  tiny(8).save_pretrained(before); // the next save deletes the dead writer's temps and its lock
  assert.deepEqual(fs.readdirSync(before).sort(), ["config.json", "model.safetensors"]);

  const afterDir = path.join(root, "after");
  tiny(8).save_pretrained(afterDir);
  half_save(afterDir, tiny(16), true);
  const [fresh, info2] = await BertModel.from_pretrained(afterDir, { output_loading_info: true, quiet: true });
  assert.equal(fresh.config.hidden_size, 16);
  assert.deepEqual(info2.missing_keys, []); // never a new config over old weights
  assert.deepEqual(fs.readdirSync(afterDir).sort(), ["config.json", "model.safetensors"]);
});

test("a killed single-file write's .<name>.<pid>.<ms>.tmp is deleted by the next save into that folder", async () => {
  await ready();
  const dir = path.join(root, "stale");
  tiny(8).save_pretrained(dir);
  const stale = path.join(dir, `.model.safetensors.${dead_pid()}.${Date.now()}.tmp`);
  fs.writeFileSync(stale, Buffer.alloc(1024));
  const live = path.join(dir, `.notes.txt.${process.pid}.${Date.now()}.tmp`); // a live writer's temp stays
  fs.writeFileSync(live, "x");
  tiny(8).save_pretrained(dir);
  assert.equal(fs.existsSync(stale), false);
  assert.equal(fs.existsSync(live), true);
  fs.rmSync(live);
  const other = path.join(root, "single");
  fs.mkdirSync(other);
  const stale2 = path.join(other, `.out.ipynb.${dead_pid()}.123.tmp`);
  fs.writeFileSync(stale2, "{");
  writeFileAtomicSync(path.join(other, "out.ipynb"), "{}");
  assert.deepEqual(fs.readdirSync(other), ["out.ipynb"]);
});

test("tokenizer save_pretrained is one commit: an older added_tokens.json does not survive a save without added tokens", async () => {
  await ready();
  const dir = path.join(root, "tok");
  const vocab = new Map(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello"].map((t, i) => [t, i]));
  const withAdded = new BertTokenizer({ vocab }, { added_tokens: { "<new>": 6 } });
  withAdded.save_pretrained(dir);
  assert.ok(fs.existsSync(path.join(dir, "added_tokens.json")));
  new BertTokenizer({ vocab }).save_pretrained(dir);
  assert.equal(fs.existsSync(path.join(dir, "added_tokens.json")), false);
  const back = await BertTokenizer.from_pretrained(dir);
  assert.equal(back.convert_tokens_to_ids("<new>"), 1);
});

test("names that are not plain file names are refused", () => {
  assert.throws(() => write_files_atomic(path.join(root, "bad"), [{ name: "../x", data: "" }]), /not a plain file name/);
});
