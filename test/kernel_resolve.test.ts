// `import ... from "bertlab"` from a notebook in any folder (kernel/ts/resolve.ts): a kernelspec installed from
// project A runs a notebook that sits in an unrelated folder B (no package.json, no node_modules), through the
// headless runner and through Jupyter starting the kernel from its own working directory. The cell is
// type-checked against bertlab's .d.ts (a wrong type is an error, so the types are real, not `any`) and runs the
// install the kernelspec launches. A package of the notebook's own folder still wins, as in Node, and a
// sub path found nowhere fails with an error naming the kernel's install and the fix.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { make_user_project } from "./helpers/project";
import { PY, skip_unless } from "./helpers/tools";
import { run_notebook } from "../kernel/runner";
import { CodeCell, Notebook, joined } from "../kernel/notebook";

const ROOT = path.join(__dirname, "..");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-resolve-test-"));
after(() => fs.rmSync(home, { recursive: true, force: true }));
const project_a = make_user_project(path.join(home, "project-a"));
const folder_b = path.join(home, "folder-b");
fs.mkdirSync(folder_b);
const env = { ...process.env, HF_HUB_OFFLINE: "1" };

const code = (source: string) => ({ cell_type: "code" as const, metadata: {}, execution_count: null, outputs: [], source });
const notebook = (...cells: string[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: cells.map(code) });
const text = (nb: Notebook) =>
  nb.cells.filter((c): c is CodeCell => c.cell_type === "code")
    .flatMap((c) => c.outputs.map((o) => (o.output_type === "stream" ? joined(o.text) : o.output_type === "error" ? `ERROR ${o.ename}: ${o.evalue}\n` : "")))
    .join("");

const USES_BERTLAB = `import { AutoTokenizer, ready } from "bertlab";
await ready();
const tokenizer = await AutoTokenizer.from_pretrained("bertlab/mini-bert-uncased");
const ids: number[] = tokenizer("hello world").input_ids as number[];
console.log("ids:", ids.join(" "));
console.log("from:", require.resolve("bertlab"));`;

test("a notebook in an unrelated folder imports bertlab: typed, run from the kernel's install (bertlab run)", { timeout: 120_000 }, async () => {
  const file = path.join(folder_b, "nb.ipynb");
  fs.writeFileSync(file, JSON.stringify(notebook(USES_BERTLAB, `const wrong: string = ids.length;`)));
  const r = await run_notebook(file, { output: path.join(home, "out-b.ipynb"), env, log: () => {}, timeout_s: 90, allow_errors: true });
  const out = text(r.notebook);
  assert.match(out, /^ids: 101 7592 2088 102\n/m);
  assert.match(out, new RegExp(`^from: ${fs.realpathSync(ROOT).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/dist/src/index\\.js$`, "m"));
  // the types are bertlab's: assigning a number to a string is a type error
  assert.match(out, /ERROR TSError: .*TS2322: Type 'number' is not assignable to type 'string'/);
});

test("the notebook's own folder still resolves first (its packages, its own bertlab), as in Node", { timeout: 120_000 }, async () => {
  const c = path.join(home, "folder-c");
  for (const [name, version] of [["bertlab", "9.9.9"], ["my-helpers", "1.0.0"]]) {
    const dir = path.join(c, "node_modules", name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version, main: "index.js", types: "index.d.ts" }));
    fs.writeFileSync(path.join(dir, "index.js"), `exports.where = ${JSON.stringify(`${name} ${version} of folder-c`)};\n`);
    fs.writeFileSync(path.join(dir, "index.d.ts"), "export declare const where: string;\n");
  }
  const file = path.join(c, "nb.ipynb");
  fs.writeFileSync(file, JSON.stringify(notebook(`import { where } from "bertlab";\nimport { where as mine } from "my-helpers";\nconsole.log(where, "|", mine);`)));
  const r = await run_notebook(file, { output: path.join(home, "out-c.ipynb"), env, log: () => {}, timeout_s: 90 });
  assert.equal(r.ok, true, r.failure?.message);
  assert.equal(text(r.notebook), "bertlab 9.9.9 of folder-c | my-helpers 1.0.0 of folder-c\n");
});

test("a bertlab sub path found nowhere: the type error and the require error name the kernel's install and the fix", { timeout: 120_000 }, async () => {
  const file = path.join(folder_b, "missing.ipynb");
  fs.writeFileSync(file, JSON.stringify(notebook(`import { x } from "bertlab/no-such-module";\nconsole.log(x);`, `require("bertlab/no-such-module");`)));
  const r = await run_notebook(file, { output: path.join(home, "out-missing.ipynb"), env, log: () => {}, timeout_s: 90, allow_errors: true });
  const [typed, required] = text(r.notebook).trim().split("\n");
  const root = fs.realpathSync(ROOT).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(typed, /TS2307: Cannot find module 'bertlab\/no-such-module'/);
  for (const line of [typed, required]) {
    assert.match(line, new RegExp(`from the notebook's folder \\(${folder_b.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) up`));
    assert.match(line, new RegExp(`the bertlab install at ${root}`));
    assert.match(line, /Fix: `npm install bertlab` in the notebook's project, or reinstall the kernelspec/);
  }
  assert.match(required, /^ERROR Error: Cannot find module 'bertlab\/no-such-module'/);
});

// Jupyter (jupyter_client, as the notebook server uses it) starts the kernel from ITS working directory — a third
// folder — with the kernelspec that project A's bertlab installed.
test("Jupyter starts the kernelspec installed from project A, from its own cwd: the cell imports bertlab", { skip: skip_unless("nbconvert"), timeout: 120_000 }, () => {
  const prefix = path.join(home, "jupyter-prefix");
  const cli = path.join(project_a, "node_modules", "bertlab", "dist", "kernel", "cli.js");
  const installed = spawnSync(process.execPath, [cli, "kernel", "install", "--prefix", prefix, "--name", "bertlab-resolve-test"], { cwd: project_a, encoding: "utf8" });
  assert.equal(installed.status, 0, installed.stderr);
  const jupyter_cwd = path.join(home, "jupyter-cwd");
  fs.mkdirSync(jupyter_cwd);
  const script = `
import sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="bertlab-resolve-test", startup_timeout=60)
out = []
def hook(msg):
    c = msg["content"]
    if msg["msg_type"] == "stream": out.append(c["text"])
    if msg["msg_type"] == "error": out.append("ERROR " + c["ename"] + ": " + c["evalue"] + "\\n")
try:
    reply = kc.execute_interactive(sys.argv[1] + "\\nconsole.log('cwd:', process.cwd());", timeout=90, output_hook=hook)
    print(reply["content"]["status"])
    print("".join(out))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;
  const r = spawnSync(PY, ["-c", script, USES_BERTLAB], {
    cwd: jupyter_cwd, encoding: "utf8", timeout: 110_000,
    env: { ...env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), JUPYTER_RUNTIME_DIR: path.join(home, "runtime"), JUPYTER_DATA_DIR: path.join(home, "jdata") },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok\n/);
  assert.match(r.stdout, /^ids: 101 7592 2088 102$/m);
  assert.match(r.stdout, new RegExp(`^cwd: ${jupyter_cwd.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
});
