// The README's tour is documentation that must run: its ```ts blocks, in order, as one script
// against the built package (imported as "bertlab", as a user would).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const ROOT = path.join(__dirname, "..");

function tour_script(): string {
  const md = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const blocks = [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 3, "the README has its tour blocks");
  const imports: string[] = [];
  const body: string[] = [];
  for (const line of blocks.join("\n").split("\n")) {
    const m = /^import \{([^}]*)\} from "bertlab";$/.exec(line.trim());
    if (m) imports.push(`const {${m[1]}} = require("bertlab");`);
    else body.push(line);
  }
  return `${imports.join("\n")}\n(async () => {\n${body.join("\n")}\nconsole.log("TOUR OK", outputs.prediction_logits.shape.join("x"), lm.constructor.name, scheduler.get_last_lr().length);\n})().catch((e) => { console.error(e); process.exit(1); });\n`;
}

test("the README tour runs as written (shipped mini-BERT, training objects, plots)", { timeout: 240_000 }, () => {
  const file = path.join(ROOT, "test", `.readme-tour-${process.pid}.ts`);
  fs.writeFileSync(file, tour_script());
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" }, timeout: 230_000 });
    assert.equal(r.status, 0, `tour failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /TOUR OK 1x13x30522 BertLMHeadModel 2/);
    assert.match(r.stderr + r.stdout, /were not used when initializing BertLMHeadModel: \['bert\.pooler\.dense\.bias', 'bert\.pooler\.dense\.weight', 'cls\.seq_relationship\.bias', 'cls\.seq_relationship\.weight'\]/);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
