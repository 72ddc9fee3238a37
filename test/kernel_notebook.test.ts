// Pure pieces of the runner: parameter injection, the wire format, error recovery from stderr, the HTML report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CodeCell, Notebook, inject_parameters, normalize_notebook, parse_parameter, source_text } from "../kernel/notebook";
import { deserialize, new_message, serialize, sign } from "../kernel/messaging";
import { error_from_stderr } from "../kernel/runner";
import { notebook_to_html } from "../kernel/html";

const code = (source: string, tags?: string[]): CodeCell => ({
  cell_type: "code",
  metadata: tags ? { tags } : {},
  source,
  outputs: [],
  execution_count: null,
});
const nb = (...cells: Notebook["cells"]): Notebook => ({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells });

test("parse_parameter: JSON values like papermill, raw strings otherwise, bad names rejected", () => {
  assert.deepEqual(parse_parameter("lr=1e-4"), ["lr", 0.0001]);
  assert.deepEqual(parse_parameter("epochs=3"), ["epochs", 3]);
  assert.deepEqual(parse_parameter("fast=true"), ["fast", true]);
  assert.deepEqual(parse_parameter("model=bert-base-uncased"), ["model", "bert-base-uncased"]);
  assert.deepEqual(parse_parameter('names=["a","b"]'), ["names", ["a", "b"]]);
  assert.deepEqual(parse_parameter("eq=a=b"), ["eq", "a=b"]);
  assert.throws(() => parse_parameter("novalue"), /parameter "novalue": expected name=value/);
  assert.throws(() => parse_parameter("1x=2"), /"1x" is not a valid TypeScript identifier/);
});

test("inject_parameters: assignments after the `parameters` cell, const rewritten to let, unknown names declared", () => {
  const book = nb(
    { cell_type: "markdown", metadata: {}, source: "# t" },
    code('let lr = 2e-5;\nconst model = "bert-base-uncased";\nlet lrs = 1;', ["parameters"]),
    code("console.log(lr)"),
  );
  const at = inject_parameters(book, [["lr", 0.001], ["model", "x"], ["extra", [1, 2]]]);
  assert.equal(at, 2);
  const injected = book.cells[2] as CodeCell;
  assert.deepEqual(injected.metadata.tags, ["injected-parameters"]);
  assert.equal(source_text(injected), '// Injected parameters\nlet extra = [1,2];\n{\n  lr = 0.001;\n  model = "x";\n}');
  assert.equal(source_text(book.cells[1]), 'let lr = 2e-5;\nlet model = "bert-base-uncased";\nlet lrs = 1;');
  assert.equal(source_text(book.cells[3]), "console.log(lr)");
});

test("inject_parameters: without a parameters cell the values are declared in a first cell", () => {
  const book = nb(code("console.log(1)"));
  assert.equal(inject_parameters(book, [["n", 2]]), 0);
  assert.equal(source_text(book.cells[0]), "// Injected parameters\nlet n = 2;");
  assert.equal(inject_parameters(book, []), -1);
});

test("normalize_notebook: nbformat 4.5 with unique cell ids", () => {
  const book = normalize_notebook(nb(code("a", undefined), { ...code("b"), id: "same" }, { ...code("c"), id: "same" }));
  assert.equal(book.nbformat_minor, 5);
  const ids = book.cells.map((c) => c.id);
  assert.equal(new Set(ids).size, 3);
  assert.ok(ids.every((id) => typeof id === "string" && id.length > 0));
});

test("messages are HMAC-SHA256 signed; a tampered frame is rejected", () => {
  const key = "secret";
  const msg = new_message("execute_request", { code: "1+1" }, "session-1");
  const frames = serialize(msg, key);
  assert.equal(frames[0].toString(), "<IDS|MSG>");
  assert.equal(frames[1].toString(), sign(key, frames.slice(2, 6).map((f) => f.toString())));
  assert.equal(frames[1].toString().length, 64);
  const back = deserialize([Buffer.from("routing-id"), ...frames], key);
  assert.equal(back.header.msg_type, "execute_request");
  assert.deepEqual(back.content, { code: "1+1" });
  const bad = frames.slice();
  bad[5] = Buffer.from(JSON.stringify({ code: "evil()" }));
  assert.throws(() => deserialize(bad, key), /bad HMAC signature/);
  assert.throws(() => deserialize(frames.slice(0, 3), key), /expected "<IDS\|MSG>" followed by 5 frames, got 3/);
});

test("error_from_stderr recovers tslab's errors: thrown errors and type errors", () => {
  const thrown = "evalmachine.<anonymous>:4\n    throw new RangeError(\"boom\");\n    ^\n\nRangeError: boom\n    at fail (evalmachine.<anonymous>:4:11)\n";
  assert.deepEqual(error_from_stderr(thrown), { ename: "RangeError", evalue: "boom" });
  assert.deepEqual(error_from_stderr("1:7 - Type 'string' is not assignable to type 'number'.\n"), {
    ename: "TSError",
    evalue: "1:7 - Type 'string' is not assignable to type 'number'.",
  });
  assert.deepEqual(error_from_stderr("Error: Script execution was interrupted by `SIGINT`\n"), {
    ename: "Error",
    evalue: "Script execution was interrupted by `SIGINT`",
  });
  assert.deepEqual(error_from_stderr(""), { ename: "Error", evalue: "(no message on stderr)" });
});

test("notebook_to_html renders markdown, code, streams, errors, images and escapes text", async () => {
  const png = "iVBORw0KGgo=";
  const book = nb(
    { cell_type: "markdown", metadata: {}, source: "# Title\n\nSome *text* ![pic](attachment:a.png)", attachments: { "a.png": { "image/png": png } } },
    {
      ...code("console.log('<b>')"),
      execution_count: 7,
      outputs: [
        { output_type: "stream", name: "stdout", text: "<b>\n" },
        { output_type: "stream", name: "stderr", text: "\x1b[31mwarn\x1b[0m\n" },
        { output_type: "display_data", data: { "image/png": png, "text/plain": "<img>" }, metadata: {} },
        { output_type: "error", ename: "RangeError", evalue: "boom", traceback: [] },
      ],
    },
  );
  const html = await notebook_to_html(book, { title: "t<1>" });
  assert.match(html, /<title>t&lt;1&gt;<\/title>/);
  assert.match(html, /<h1>Title<\/h1>/);
  assert.match(html, /<em>text<\/em>/);
  assert.match(html, /src="data:image\/png;base64,iVBORw0KGgo="/);
  assert.match(html, /In \[7\]:/);
  assert.match(html, /<code class="hljs language-typescript">.*<span class="hljs-title function_">log<\/span>\(<span class="hljs-string">&#x27;&lt;b&gt;&#x27;<\/span>\)<\/code>/);
  assert.match(html, /\.hljs-string\{/, "the highlight theme is inlined");
  assert.match(html, /<pre class="output stream stdout">&lt;b&gt;\n<\/pre>/);
  assert.match(html, /<pre class="output stream stderr">warn\n<\/pre>/);
  assert.match(html, /<pre class="output error">RangeError: boom<\/pre>/);
  assert.doesNotMatch(html, /<script/, "no scripts when no interactive output");
});
