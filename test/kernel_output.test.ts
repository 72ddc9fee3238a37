// Issue 12 items 3 and 9 (runner side): no output is lost between the kernel and the notebook, a run
// that lost output fails, over-long output is truncated visibly, the connection file (HMAC key) never
// outlives startup, and malformed notebooks get clear errors. The big-output run goes through the
// installed kernelspec's argv, so it covers whichever kernel bertlab's kernelspec starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { run_notebook, truncate_streams } from "../kernel/runner";
import { install_kernelspec } from "../kernel/kernelspec";
import { CodeCell, Notebook, Output, read_notebook } from "../kernel/notebook";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const SCALE = Number(process.env.BERTLAB_FUZZ_SCALE ?? 1);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-output-test-"));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const nb_of = (...sources: string[]): Notebook => ({
  nbformat: 4, nbformat_minor: 5, metadata: {},
  cells: sources.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
});
const text_of = (cell: CodeCell) => cell.outputs.map((o) => (o.output_type === "stream" ? o.text : "")).join("");

for (const engine of ["tslab", "bertlab"] as const) test(`${engine} kernel: cells printing 1,000 and 50,000 lines keep every line in the .ipynb and the HTML report (through the installed kernelspec)`, { timeout: 300_000 }, async () => {
  assert.ok(fs.existsSync(CLI), "run `npm run build` first (the kernel launcher is dist/kernel/tslab_launch.js)");
  const spec_dir = install_kernelspec({ prefix: path.join(tmp, `prefix-${engine}`), engine });
  const argv = JSON.parse(fs.readFileSync(path.join(spec_dir, "kernel.json"), "utf8")).argv as string[];
  const big = 50_000 * SCALE;
  const out = path.join(tmp, `lines-${engine}.ipynb`);
  const html = path.join(tmp, `lines-${engine}.html`);
  const result = await run_notebook(nb_of(
    "for (let i = 0; i < 1000; i++) console.log(`a ${i}`);",
    `for (let i = 0; i < ${big}; i++) console.log(\`b \${i}\`);`,
    `for (let i = 0; i < 2000; i++) process.stdout.write(\`c \${i}\\n\`);`,
  ), { log: () => {}, kernel_argv: argv, kernel_cwd: ROOT, output: out, html, timeout_s: 240 });
  assert.equal(result.ok, true, result.failure?.message);
  const saved = read_notebook(out);
  const cells = saved.cells as CodeCell[];
  const expect = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i}\n`).join("");
  assert.equal(text_of(cells[0]), expect("a", 1000));
  assert.equal(text_of(cells[1]), expect("b", big));
  assert.equal(text_of(cells[2]), expect("c", 2000));
  const page = fs.readFileSync(html, "utf8");
  for (const [p, n] of [["a", 1000], ["b", big], ["c", 2000]] as const) {
    const found = [...page.matchAll(new RegExp(`(?:^|>)${p} (\\d+)(?=\\n|<)`, "gm"))].map((m) => Number(m[1]));
    assert.deepEqual(found, Array.from({ length: n }, (_, i) => i), `HTML report: every ${p} line, in order`);
  }
});

test("a kernel that reports lost output makes the run fail (the CLI exits non-zero)", { timeout: 120_000 }, async () => {
  // The launcher writes this line to the kernel's own stderr when a publish fails; simulate that report.
  const nb = path.join(tmp, "lost.ipynb");
  fs.writeFileSync(nb, JSON.stringify(nb_of(`require("fs").writeSync(2, "bertlab-kernel: lost 1 iopub message(s)\\n"); console.log("after")`)));
  const result = await run_notebook(nb, { log: () => {}, kernel_cwd: ROOT, output: path.join(tmp, "lost.out.ipynb") });
  assert.equal(result.ok, false);
  assert.equal(result.failure?.ename, "OutputLost");
  assert.equal(read_notebook(path.join(tmp, "lost.out.ipynb")).metadata.bertlab && (read_notebook(path.join(tmp, "lost.out.ipynb")).metadata.bertlab as { status: string }).status, "failed");
});

test("past max_output_lines a stream keeps its first lines and last 20, with a visible 'output truncated' line", () => {
  const text = Array.from({ length: 5000 }, (_, i) => `l ${i}\n`).join("");
  const outs: Output[] = [{ output_type: "stream", name: "stdout", text }, { output_type: "stream", name: "stderr", text: "short\n" }];
  assert.equal(truncate_streams(outs, 1000), 4001);
  const lines = (outs[0] as { text: string }).text.split("\n");
  assert.equal(lines.length, 1001); // 979 + marker + 20 = max_output_lines, and the final empty piece
  assert.equal(lines[978], "l 978");
  assert.equal(lines[979], "[output truncated: 4001 lines omitted (max_output_lines is 1000)]");
  assert.equal(lines[980], "l 4980");
  assert.equal(lines[999], "l 4999");
  assert.equal((outs[1] as { text: string }).text, "short\n");
  assert.equal(truncate_streams(outs, 1000), 0);
});

test("the connection file (with the HMAC key) is gone once the kernel started, and after the runner is killed", { timeout: 120_000 }, async () => {
  assert.ok(fs.existsSync(CLI), "run `npm run build` first");
  const temp = path.join(tmp, "TMPDIR");
  fs.mkdirSync(temp);
  const marker = path.join(tmp, "cell-started");
  const nb = path.join(tmp, "sleep.ipynb");
  fs.writeFileSync(nb, JSON.stringify(nb_of(`require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); await new Promise((r) => setTimeout(r, 60000));`)));
  const p = spawn(process.execPath, [CLI, "run", nb, "-o", path.join(tmp, "sleep.out.ipynb"), "--kernel-cwd", ROOT, "-q"], { env: { ...process.env, TMPDIR: temp }, stdio: "ignore" });
  const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
  for (let i = 0; i < 1200 && !fs.existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fs.existsSync(marker), "the cell did not start within 60 s");
  const leftovers = () => fs.readdirSync(temp).filter((n) => n.startsWith("bertlab-kernel-"));
  assert.deepEqual(leftovers(), [], "connection file still on disk while the kernel runs");
  p.kill("SIGTERM");
  await exited;
  assert.deepEqual(leftovers(), []);
});

test("malformed notebooks get clear errors, not raw TypeErrors", async () => {
  const write = (name: string, nb: unknown) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, JSON.stringify(nb));
    return f;
  };
  const base = { nbformat: 4, nbformat_minor: 5, metadata: {} };
  assert.throws(() => read_notebook(write("null.ipynb", { ...base, cells: [null] })), /read_notebook: .*null\.ipynb: cell 0 is null, not an object/);
  assert.throws(() => read_notebook(write("num.ipynb", { ...base, cells: [{ cell_type: "code", source: 42, metadata: {}, outputs: [] }] })), /cell 0 has source 42/);
  assert.throws(() => read_notebook(write("type.ipynb", { ...base, cells: [{ cell_type: "python", source: "" }] })), /cell 0 has cell_type "python"/);
  await assert.rejects(run_notebook({ ...base, cells: [null] } as never, { log: () => {} }), /notebook cell 0: expected an object/);
});

test("root cause: un-awaited sends on a zeromq Publisher throw EBUSY (tslab's loss); the launcher's patch queues them, none lost", async () => {
  const zmq = require("zeromq") as typeof import("zeromq");
  const { make_publisher_lossless } = await import("../kernel/tslab_launch");
  const roundtrip = async (n: number): Promise<{ got: number; busy: number }> => {
    const pub = new zmq.Publisher();
    await pub.bind("tcp://127.0.0.1:*");
    const sub = new zmq.Subscriber();
    sub.receiveHighWaterMark = 0;
    sub.connect(pub.lastEndpoint!);
    sub.subscribe();
    await new Promise((r) => setTimeout(r, 300)); // the subscription reaches the publisher
    let got = 0;
    const reading = (async () => {
      for await (const _ of sub) if (++got === n) break;
    })();
    let busy = 0;
    for (let i = 0; i < n; i++) {
      try {
        void pub.send(["stream", String(i)]).catch(() => busy++); // as tslab: never awaited
      } catch {
        busy++;
      }
    }
    await Promise.race([reading, new Promise((r) => setTimeout(r, 5000))]);
    pub.close();
    sub.close();
    return { got, busy };
  };
  const before = await roundtrip(5000);
  assert.ok(before.busy > 0 && before.got < 5000, `unpatched: ${JSON.stringify(before)}`);
  const lost = make_publisher_lossless(zmq as never);
  const after = await roundtrip(5000 * SCALE);
  assert.deepEqual(after, { got: 5000 * SCALE, busy: 0 });
  assert.equal(lost.lost, 0);
});
