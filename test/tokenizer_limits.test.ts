// padding: "max_length" with an absurd max_length (issue 12, item 7) is refused before anything is
// allocated, naming the field; before, V8 aborted the process (the kernel, in a notebook) out of memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const VOCAB = path.join(__dirname, "fixtures", "vocab", "bert-base-uncased");

test("max_length 2^32 / 3e8 and a huge pad_to_multiple_of give a clear error, in a process that survives", () => {
  // A child process, so that a regression (an out-of-memory abort) fails this test instead of the run.
  const code = `
    const { BertTokenizer } = require("./src/tokenizers/bert");
    (async () => {
      const tok = await BertTokenizer.from_pretrained(${JSON.stringify(VOCAB)});
      const out = [];
      const tries = [
        () => tok("hello", { padding: "max_length", max_length: 2 ** 32 }),
        () => tok("hello", { padding: "max_length", max_length: 3e8, truncation: true }),
        () => tok(["a", "b"], { padding: true, pad_to_multiple_of: 2 ** 30 }),
        () => tok.pad({ input_ids: [[1, 2]] }, { padding: "max_length", max_length: 2 ** 31 }),
      ];
      for (const f of tries) { try { f(); out.push("no error"); } catch (e) { out.push(e.name + ": " + e.message); } }
      out.push(String(tok("hello", { padding: "max_length", max_length: 4096 }).input_ids.length));
      console.log(JSON.stringify(out));
    })();
  `;
  const r = spawnSync(process.execPath, ["--max-old-space-size=1024", "--import", "tsx", "-e", code], { cwd: path.join(__dirname, ".."), encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `the process died (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-400)}`);
  const out: string[] = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.match(out[0], /^Error: padding to max_length 4294967296 for 1 row\(s\) would make 4294967296 token positions; bertlab pads at most 16777216/);
  assert.match(out[1], /^Error: padding to max_length 300000000 /);
  assert.match(out[2], /^Error: padding to pad_to_multiple_of 1073741824 \(padded length 1073741824\) for 2 row\(s\)/);
  assert.match(out[3], /^Error: padding to max_length 2147483648 /);
  assert.equal(out[4], "4096"); // a large but sane length still pads
});
