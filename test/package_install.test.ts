// The package as a user gets it: `npm pack` this checkout (the build must be current: `npm test` builds first),
// `npm install` the tarball into a fresh project outside the repo from the npm cache (--prefer-offline: no
// network beyond the registry), then `npx bertlab kernel install` and `npx bertlab run` of a notebook there.
// Checks: the install prints no npm warning (no "Unknown project config", no install-scripts notice) and keeps
// onnxruntime-node's CPU binaries; the kernelspec points into the project; the notebook loads the shipped
// mini-BERT, its forward runs on the ONNX engine (`model.last_engine`, `engine_info()`), and a plot displays.
// The project is a plain one (no `allowScripts`, no .npmrc, no env flag): onnxruntime-node's postinstall only
// downloads GPU providers, which fails offline and would make npm drop the package; bertlab's preinstall
// (kernel/preinstall.cjs) leaves placeholders so that postinstall has nothing to fetch. npm ≥ 11.19 still lists
// the dependencies' install scripts for review (its own notice, the only npm warning allowed). Slow (a real install of ~700 packages: minutes on a busy 2-core machine); skipped, saying
// why, where npm is not on PATH.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { which } from "../kernel/lab";
import { CodeCell, joined, read_notebook, source_text } from "../kernel/notebook";

const ROOT = path.join(__dirname, "..");
const npm = which("npm");
const skip = npm ? false : "skipped: npm not on PATH — it comes with Node.js (https://nodejs.org)";

const code = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
const NOTEBOOK = {
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "bertlab", display_name: "TypeScript (bertlab)", language: "typescript" } },
  cells: [
    code(`import { AutoTokenizer, BertForPreTraining, engine_info, list_shipped_models, ready, show, plot_class_probabilities, tf } from "bertlab";
await ready();
const tokenizer = await AutoTokenizer.from_pretrained("bertlab/mini-bert-uncased");
const model = await BertForPreTraining.from_pretrained("bertlab/mini-bert-uncased");
console.log("shipped:", list_shipped_models().map((m) => m.id).join(", "));`),
    code(`const inputs = tokenizer("Hello, my dog is cute. ", { text_pair: "I like it", return_tensors: "tf" });
const outputs = model(inputs);
console.log("last_engine:", model.last_engine);
console.log("auto_runs:", engine_info().auto_runs, "onnxruntime-node", engine_info().onnxruntime_version);
console.log("shape:", outputs.prediction_logits.shape.join("x"));`),
    code(`await show(plot_class_probabilities(tf.softmax(outputs.seq_relationship_logits), ["is next", "random"]));`),
  ],
};

function sh(cmd: string, args: string[], cwd: string, timeout_s: number): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeout_s * 1000, env: { ...process.env, HF_HUB_OFFLINE: "1" } });
  assert.equal(r.status, 0, `${path.basename(cmd)} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

test("npm pack → npm install of the tarball in a fresh project → kernelspec → a notebook on the ONNX engine", { skip, timeout: 600_000 }, () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-package-test-"));
  const tgz = sh(npm!, ["pack", "--pack-destination", home, "--silent"], ROOT, 120).stdout.trim().split("\n").pop()!;
  assert.match(tgz, /^bertlab-\d+\.\d+\.\d+\.tgz$/);

  const project = path.join(home, "project");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "bertlab-user-project", private: true }, null, 2));
  const install = sh(npm!, ["install", path.join(home, tgz), "--prefer-offline", "--no-audit", "--no-fund"], project, 540);
  const npm_out = install.stdout + install.stderr;
  const warnings = npm_out.split("\n").filter((l) => /npm warn/i.test(l) && !/^npm warn install-scripts/.test(l));
  assert.deepEqual(warnings, [], `npm install warned (besides npm's install-scripts review notice):\n${npm_out}`);
  assert.doesNotMatch(npm_out, /Unknown project config/);
  assert.match(npm_out, /added \d+ packages/);
  const ort_bin = path.join(project, "node_modules", "onnxruntime-node", "bin", "napi-v6", `${process.platform}`, process.arch);
  assert.ok(fs.existsSync(path.join(ort_bin, "onnxruntime_binding.node")), `onnxruntime-node's CPU binding installed (${ort_bin})`);
  if (process.platform === "linux" && process.arch === "x64") {
    // no GPU download was attempted: the provider files are bertlab's small placeholders
    const cuda = fs.readFileSync(path.join(ort_bin, "libonnxruntime_providers_cuda.so"), "utf8");
    assert.match(cuda, /^bertlab: placeholder .* ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
  }
  const doctor = spawnSync(path.join(project, "node_modules", ".bin", "bertlab"), ["doctor"], { cwd: project, encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1" } });
  assert.match(doctor.stdout, /engine.*onnx \(onnxruntime-node 1\.30\.0\).*CPU only: its GPU provider libraries were not downloaded/);

  const cli = path.join(project, "node_modules", ".bin", "bertlab");
  const installed = sh(cli, ["kernel", "install", "--prefix", path.join(project, "jupyter")], project, 60).stdout;
  const spec_dir = path.join(project, "jupyter", "share", "jupyter", "kernels", "bertlab");
  assert.match(installed, new RegExp(`Installed kernelspec bertlab in ${spec_dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const spec = JSON.parse(fs.readFileSync(path.join(spec_dir, "kernel.json"), "utf8")) as { argv: string[] };
  assert.ok(spec.argv.some((a) => a.startsWith(fs.realpathSync(path.join(project, "node_modules")))), `the kernel runs from the project: ${spec.argv.join(" ")}`);

  const nb = path.join(project, "check.ipynb");
  fs.writeFileSync(nb, JSON.stringify(NOTEBOOK, null, 1));
  const run = sh(cli, ["run", nb, "-o", path.join(project, "out", "check.ipynb"), "--html", path.join(project, "out", "check.html"), "--timeout", "240"], project, 300);
  assert.doesNotMatch(run.stdout + run.stderr, /looks like you are running TensorFlow\.js/);
  const out = read_notebook(path.join(project, "out", "check.ipynb"));
  const cells = out.cells.filter((c): c is CodeCell => c.cell_type === "code");
  const text = cells.flatMap((c) => c.outputs.map((o) => (o.output_type === "stream" ? joined(o.text) : o.output_type === "error" ? `ERROR ${o.ename}: ${o.evalue}` : ""))).join("");
  assert.doesNotMatch(text, /ERROR/);
  assert.match(text, /shipped: bertlab\/mini-bert-uncased, .*bertlab\/tiny-random-bert-sequence-classification/);
  assert.match(text, /last_engine: onnx\n/);
  assert.match(text, /auto_runs: onnx onnxruntime-node 1\.30\.0\n/);
  assert.match(text, /shape: 1x13x30522\n/);
  const plot = cells.find((c) => source_text(c).includes("show("))!.outputs.find((o) => o.output_type === "display_data");
  assert.ok(plot && plot.output_type === "display_data" && plot.data["image/png"] !== undefined, "the plot displays with a PNG");
  assert.match(fs.readFileSync(path.join(project, "out", "check.html"), "utf8"), /is next/);
});
