// The headless runner end to end: a real kernel process (bertlab's own, the default engine) over zeromq, fixture notebooks from
// test/fixtures/kernel, the executed .ipynb, the HTML report, parameters, failures and timeouts.
// Notebooks import "bertlab", i.e. the compiled dist/ (npm test builds first).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { run_notebook } from "../kernel/runner";
import { CodeCell, DisplayDataOutput, Notebook, read_notebook } from "../kernel/notebook";
import { VEGA_LITE_MIME, PLOTLY_MIME } from "../kernel/bundle";
import { chromium_path, count_ink, decode_png } from "../plots/render";

const ROOT = path.join(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures", "kernel");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-runner-test-"));
const quiet = { log: () => {} };
const strip_ansi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

function need_build(): void {
  for (const f of [path.join(ROOT, "dist", "src", "index.js"), CLI]) {
    assert.ok(fs.existsSync(f), `${f} is missing: run \`npm run build\` first (notebooks import the compiled bertlab)`);
  }
}

const code_cells = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
const text_of = (cell: CodeCell) =>
  cell.outputs.map((o) => (o.output_type === "stream" ? o.text : "")).join("");
/** The cell's Out[n]: its execute_result's MIME bundle. */
const result_of = (cell: CodeCell) => {
  const r = cell.outputs.filter((o) => o.output_type === "execute_result");
  assert.equal(r.length, 1, `one execute_result in ${JSON.stringify(cell.outputs).slice(0, 300)}`);
  return (r[0] as { data: Record<string, unknown>; execution_count: number });
};

test("runs the display fixture: imports bertlab, prints, shows charts, live chart, parameters, HTML", async () => {
  need_build();
  const out = path.join(tmp, "display.out.ipynb");
  const html = path.join(tmp, "display.html");
  const result = await run_notebook(path.join(FIXTURES, "display.ipynb"), {
    ...quiet,
    output: out,
    html,
    timeout_s: 120,
    parameters: [["greeting", "bonjour"], ["repeat", 3]],
  });
  assert.equal(result.ok, true, result.failure?.message);
  const nb = read_notebook(out);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.equal((nb.metadata.kernelspec as { name: string }).name, "bertlab");
  const run = nb.metadata.bertlab as { parameters: object; status: string; duration_s: number };
  assert.deepEqual(run.parameters, { greeting: "bonjour", repeat: 3 });
  assert.equal(run.status, "completed");
  assert.ok(run.duration_s > 0);
  assert.ok(nb.cells.every((c) => typeof c.id === "string"));

  const cells = code_cells(nb);
  // Execution counts assigned in order, injected cell right after the parameters cell.
  assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(cells[0].metadata.tags, ["parameters"]);
  assert.deepEqual(cells[1].metadata.tags, ["injected-parameters"]);
  assert.equal(cells[1].outputs.length, 0, "the injected assignments print nothing");
  assert.equal(text_of(cells[2]), "bonjour x3\n");
  // a cell's last value is its Out[n] (execute_result), rich: torch-style text plus an HTML table
  assert.equal(text_of(cells[3]), "");
  const out4 = result_of(cells[3]);
  assert.equal(out4.execution_count, 4);
  assert.equal(out4.data["text/plain"], "tensor([[ 5.9950, -5.5033]])");
  assert.match(out4.data["text/html"] as string, /tensor · shape \[1, 2\] · float32.*<td[^>]*>5\.9950<\/td><td[^>]*>-5\.5033<\/td>/s);
  assert.equal(text_of(cells[4]), "tensor([[9.9999e-01, 1.0147e-05]])\n");

  // One display_data per plot, carrying the interactive spec and the fallbacks.
  const vl = cells[5].outputs as DisplayDataOutput[];
  assert.equal(vl.length, 1);
  assert.equal(vl[0].output_type, "display_data");
  assert.deepEqual(Object.keys(vl[0].data).sort(), [VEGA_LITE_MIME, "image/png", "image/svg+xml", "text/plain"].sort());
  assert.equal((vl[0].data[VEGA_LITE_MIME] as { title: string }).title, "paraphrase probabilities");
  assert.match(vl[0].data["image/svg+xml"] as string, /paraphrase probabilities/);
  const png = decode_png(Buffer.from(vl[0].data["image/png"] as string, "base64"));
  assert.ok(png.width > 300 && count_ink(png) > 1000, `PNG fallback has ink (${png.width}x${png.height})`);
  assert.equal(vl[0].data["text/plain"], "<VegaLite chart: paraphrase probabilities>");

  const pl = cells[6].outputs as DisplayDataOutput[];
  assert.equal(pl.length, 1);
  assert.deepEqual((pl[0].data[PLOTLY_MIME] as { data: Array<{ type: string }> }).data[0].type, "heatmap");
  if (chromium_path()) {
    assert.ok(count_ink(decode_png(Buffer.from(pl[0].data["image/png"] as string, "base64"))) > 1000);
  } else {
    console.log("# no Chromium: plotly bundle carries text/html instead of a PNG");
    assert.match(pl[0].data["text/html"] as string, /Plotly\.newPlot/);
  }

  // The html chart (head view): its own interactive HTML, plus a PNG when Chromium can take one.
  const hv = cells[7].outputs as DisplayDataOutput[];
  assert.equal(hv.length, 1);
  assert.match(hv[0].data["text/html"] as string, /bertlab-head-view/);
  if (chromium_path()) assert.ok(count_ink(decode_png(Buffer.from(hv[0].data["image/png"] as string, "base64"))) > 500);

  // The live chart: one display, updated in place to the last state.
  const live = cells[9].outputs;
  assert.equal(live.filter((o) => o.output_type === "display_data").length, 1);
  const last = live.find((o): o is DisplayDataOutput => o.output_type === "display_data")!;
  assert.equal(last.data["text/plain"], "<VegaLite chart: loss (5 steps)>");
  assert.equal((last.data[VEGA_LITE_MIME] as { data: { values: unknown[] } }).data.values.length, 5);
  assert.equal(text_of(cells[9]), "logged 5\n");

  // The HTML report has the markdown, code, text outputs and one element per plot.
  const page = fs.readFileSync(html, "utf8");
  assert.match(page, /<h1>Kernel fixture<\/h1>/);
  assert.match(page, /bonjour x3/);
  assert.match(page, /tensor · shape \[1, 2\] · float32/, "Out[4]: the tensor's table");
  assert.match(page, /tensor\(\[\[9\.9999e-01, 1\.0147e-05\]\]\)/);
  assert.equal((page.match(/class="bl-plot"/g) ?? []).length, 3);
  assert.equal((page.match(/class="bl-html"/g) ?? []).length, 2, "the head view and the tensor table");
  assert.doesNotMatch(page, /<script[^>]+src=/, "no external scripts");
});

test("live() with the real Trainer: one display per training cell, updated to the last logged step", async () => {
  need_build();
  const result = await run_notebook(path.join(FIXTURES, "train_live.ipynb"), { ...quiet, timeout_s: 180 });
  assert.equal(result.ok, true, result.failure?.message);
  const cell = code_cells(result.notebook)[2];
  assert.equal(text_of(cell), "steps 12\n");
  const displays = cell.outputs.filter((o): o is DisplayDataOutput => o.output_type === "display_data");
  assert.equal(displays.length, 1, "one display, updated in place");
  const data = displays[0].data;
  assert.equal(data["text/plain"], "<VegaLite chart: Training>", "the placeholder was replaced by the chart");
  const points = (data[VEGA_LITE_MIME] as { data: { values: Array<{ x: number; metric: string }> } }).data.values;
  assert.ok(points.some((p) => p.x === 12 && p.metric === "loss"), "the final drawing includes step 12");
  assert.ok(points.some((p) => p.x === 2 && p.metric === "learning_rate"));
  assert.ok(count_ink(decode_png(Buffer.from(data["image/png"] as string, "base64"))) > 1000);
});

test("a failing notebook: `bertlab run` exits 1 naming the cell, its first line and the error", () => {
  need_build();
  const out = path.join(tmp, "error.out.ipynb");
  const html = path.join(tmp, "error.html");
  const r = spawnSync(process.execPath, [CLI, "run", path.join(FIXTURES, "error.ipynb"), "-o", out, "--html", html, "--timeout", "60"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cell 1 \(In \[2\]\) failed: RangeError: boom: bad input/);
  assert.match(r.stderr, /first line: function fail\(\): never \{/);
  assert.match(r.stdout, new RegExp(`Executed notebook: ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const cells = code_cells(read_notebook(out));
  assert.equal(text_of(cells[0]), "before the error\n");
  const err = cells[1].outputs.find((o) => o.output_type === "error");
  assert.deepEqual(err && { ename: err.ename, evalue: err.evalue }, { ename: "RangeError", evalue: "boom: bad input" });
  assert.equal(text_of(cells[1]), "", "the error is an error output, not stderr text (as tslab printed it)");
  assert.match(strip_ansi((err as { traceback: string[] }).traceback.join("\n")), /^RangeError: boom: bad input\n    at fail \(In\[2\]:\d+:\d+\)/, "stack in cell lines");
  assert.deepEqual((read_notebook(out).metadata.bertlab as { failure: object }).failure, { cell: 1, ename: "RangeError", evalue: "boom: bad input" });
  assert.equal(cells[2].execution_count, null, "execution stops at the failing cell");
  assert.equal(cells[2].outputs.length, 0);
  const page = fs.readFileSync(html, "utf8");
  assert.match(page, /<div class="bl-failure"><strong>Execution failed<\/strong><pre>cell 1 \(In \[2\]\) failed: RangeError: boom: bad input/);
  assert.match(page, /<pre class="output error">RangeError: boom: bad input\n    at fail \(In\[2\]:/);
});

test("a type error fails its cell with the compiler's message; --allow-errors runs the next cell", async () => {
  need_build();
  const result = await run_notebook(path.join(FIXTURES, "type_error.ipynb"), { ...quiet, allow_errors: true });
  assert.equal(result.ok, false);
  assert.equal(result.failure!.index, 0);
  assert.equal(result.failure!.ename, "TSError");
  assert.match(result.failure!.message, /cell 0 \(In \[1\]\) failed: TSError: In\[1\]:1:7 - TS2322: Type 'string' is not assignable to type 'number'/);
  const cells = code_cells(result.notebook);
  assert.equal(cells[1].execution_count, 2);
  assert.equal(text_of(cells[1]), "still running\n", "the cell after the error ran (not aborted)");
});

test("a cell past --timeout is interrupted and reported", async () => {
  need_build();
  const book: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "code", metadata: {}, source: "while (true) {}", outputs: [], execution_count: null },
      { cell_type: "code", metadata: {}, source: "console.log('no')", outputs: [], execution_count: null },
    ],
  };
  const t0 = Date.now();
  const result = await run_notebook(book, { ...quiet, timeout_s: 1.5, kernel_cwd: FIXTURES });
  assert.equal(result.failure?.ename, "TimeoutError");
  assert.match(result.failure!.message, /cell 0 \(In \[1\]\) failed: TimeoutError: cell did not finish within 1\.5 s/);
  assert.equal(code_cells(result.notebook)[1].execution_count, null);
  assert.ok(Date.now() - t0 < 60000, "the run ends soon after the 1.5 s timeout, not at the 600 s default");
});

test("KernelClient speaks the protocol: kernel_info, heartbeat, execute with iopub stream, clean shutdown", async () => {
  const { KernelClient } = await import("../kernel/client");
  const k = await KernelClient.start({ cwd: FIXTURES });
  try {
    assert.equal((k.language_info as { name: string }).name, "typescript");
    assert.equal(await k.heartbeat(), true);
    const seen: string[] = [];
    const reply = await k.execute("const x: number = 6 * 7;\nx", (m) => seen.push(`${m.header.msg_type}:${m.content.text ?? m.content.code ?? m.content.data?.["text/plain"] ?? ""}`));
    assert.equal(reply.status, "ok");
    assert.equal(reply.execution_count, 1);
    assert.deepEqual(seen, ["execute_input:const x: number = 6 * 7;\nx", "execute_result:42"]);
  } finally {
    await k.shutdown();
  }
  assert.equal(k.alive, false, "the kernel process has exited");
});

test("a cell that kills the kernel is reported as KernelDied and the notebook is still written", async () => {
  need_build();
  const out = path.join(tmp, "died.ipynb");
  const book: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "code", metadata: {}, source: "console.log('bye');\nprocess.exit(3);", outputs: [], execution_count: null },
      { cell_type: "code", metadata: {}, source: "console.log('no')", outputs: [], execution_count: null },
    ],
  };
  const result = await run_notebook(book, { ...quiet, output: out, allow_errors: true, kernel_cwd: FIXTURES });
  assert.equal(result.failure?.ename, "KernelDied");
  assert.equal(result.failure?.evalue, "the kernel process exited (code 3) while executing");
  const cells = code_cells(read_notebook(out));
  assert.equal(text_of(cells[0]), "bye\n");
  assert.equal(cells[1].execution_count, null, "nothing runs after the kernel is gone");
});

test("runner safety as papermill's: -o and --html on one file, --html on the input, null metadata are refused before anything runs", async () => {
  const nb_file = path.join(tmp, "safety.ipynb");
  const nb: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", metadata: {}, source: "1", outputs: [], execution_count: null }] };
  fs.writeFileSync(nb_file, JSON.stringify(nb));
  const same = path.join(tmp, "same.out");
  await assert.rejects(run_notebook(nb_file, { ...quiet, output: same, html: same }), /--output and --html both name .*same\.out; the HTML report would replace the executed notebook/);
  fs.symlinkSync(same + ".real", same + ".link");
  fs.writeFileSync(same + ".real", "keep");
  await assert.rejects(run_notebook(nb_file, { ...quiet, output: same + ".real", html: same + ".link" }), /both name/);
  await assert.rejects(run_notebook(nb_file, { ...quiet, html: nb_file }), /--html names the input notebook/);
  assert.equal(fs.existsSync(same), false);
  assert.equal(fs.readFileSync(same + ".real", "utf8"), "keep");
  assert.equal(JSON.parse(fs.readFileSync(nb_file, "utf8")).cells.length, 1);
  // through the CLI: exit code 1, the message, nothing written
  const cli = spawnSync(process.execPath, [CLI, "run", nb_file, "-o", same, "--html", same], { encoding: "utf8" });
  assert.notEqual(cli.status, 0);
  assert.match(cli.stderr, /both name/);
  assert.equal(fs.existsSync(same), false);
  for (const [meta, what] of [[null, "null"], [[], "an array"], ["x", 'the string "x"']] as const) {
    fs.writeFileSync(nb_file, JSON.stringify({ ...nb, metadata: meta }));
    assert.throws(() => read_notebook(nb_file), new RegExp(`"metadata" should be an object \\(nbformat 4; \\{\\} when empty\\), got ${what.replace(/[[\]"]/g, "\\$&")}`));
    await assert.rejects(run_notebook(nb_file, quiet), /"metadata" should be an object/);
  }
  await assert.rejects(run_notebook({ ...nb, metadata: null } as unknown as Notebook, quiet), /notebook: "metadata" should be an object/);
});

test("parameters: a repeated -p — the last wins; values of any Unicode (U+2028/2029, quotes, backslashes, __proto__) arrive intact", async () => {
  need_build();
  const nb_file = path.join(tmp, "params.ipynb");
  const nb: Notebook = {
    nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
      { cell_type: "code", metadata: { tags: ["parameters"] }, source: 'let z = 0;\nconst s = "";', outputs: [], execution_count: null },
      { cell_type: "code", metadata: {}, source: "console.log(JSON.stringify({ z: z, s: s, o: o, has_proto: Object.getPrototypeOf(o) === Object.prototype }));", outputs: [], execution_count: null },
    ],
  };
  fs.writeFileSync(nb_file, JSON.stringify(nb));
  const s = "a\u2028b\u2029c \"q\" 'q' `t` ${x} \\ \\u0041 </script> \ud83d\ude00 \n end";
  const o = JSON.parse('{"__proto__": {"polluted": 1}, "k": "\u2028"}');
  const result = await run_notebook(nb_file, { ...quiet, timeout_s: 120, parameters: [["z", 1], ["s", "first"], ["z", 2], ["s", s], ["o", o]] });
  assert.equal(result.ok, true, result.failure?.message);
  const cells = code_cells(result.notebook);
  assert.deepEqual(JSON.parse(text_of(cells[2])), { z: 2, s, o: JSON.parse('{"__proto__": {"polluted": 1}, "k": "\u2028"}'), has_proto: true });
  assert.deepEqual((result.notebook.metadata.bertlab as { parameters: object }).parameters, Object.fromEntries([["z", 2], ["s", s], ["o", o]]));
});
