// The package as a user gets it: `npm pack` this checkout (the build must be current: `npm test` builds first; the
// pack here skips `prepack`, which test/package_deps.test.ts checks), `npm install` the tarball into a fresh project
// outside the repo from the npm cache (--prefer-offline: no network beyond the registry), then `npx bertlab kernel
// install`, `npx bertlab doctor` and `npx bertlab run` there. Checks: the install prints no npm warning (no
// "Unknown project config", no install-scripts notice) and keeps onnxruntime-node's CPU binaries; the kernelspec
// points into the project; a notebook loads the shipped mini-BERT, its forward runs on the ONNX engine
// (`model.last_engine`, `engine_info()`), and a plot displays. Then EVERY shipped notebook runs in place
// (`npx bertlab run node_modules/bertlab/notebooks/NN.ipynb`, the notebooks' CI-fast parameters) with Chromium
// visible where it is installed, and the HTML-view notebook (03) once more with Chromium hidden (its views fall
// back to static PNGs); a notebook in an unrelated folder (no package.json) imports bertlab on the project's kernel;
// and a global-style install (`npm install -g --prefix DIR`, then `DIR/bin/bertlab kernel install`) serves a
// notebook in that folder through Jupyter's nbconvert, started from yet another folder.
// The project is a plain one (no `allowScripts`, no .npmrc, no env flag): onnxruntime-node's postinstall only
// downloads GPU providers, which fails offline and would make npm drop the package; bertlab's preinstall
// (kernel/preinstall.cjs) leaves placeholders so that postinstall has nothing to fetch. npm ≥ 11.19 still lists
// the dependencies' install scripts for review (its own notice, the only npm warning allowed). Slow (two real
// installs of ~700 packages and six notebooks: minutes on a busy 2-core machine); skipped, saying why, where npm
// is not on PATH; the Jupyter part is skipped where nbconvert is missing.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { which } from "../kernel/lab";
import { CodeCell, Notebook, joined, read_notebook, source_text } from "../kernel/notebook";
import { fast_parameters, parameter_args } from "./helpers/notebook_params";
import { PY, has_tool, skip_unless } from "./helpers/tools";

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

const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-package-test-"));
after(() => fs.rmSync(home, { recursive: true, force: true }));
// Jupyter's folders in the temp home: no kernelspec of this machine's user can stand in for the ones installed here
const jupyter_env = {
  JUPYTER_DATA_DIR: path.join(home, "jupyter-data"), JUPYTER_CONFIG_DIR: path.join(home, "jupyter-config"),
  JUPYTER_RUNTIME_DIR: path.join(home, "jupyter-runtime"), IPYTHONDIR: path.join(home, "ipython"), JUPYTER_PATH: "",
};

function sh(cmd: string, args: string[], cwd: string, timeout_s: number, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeout_s * 1000, env: { ...process.env, HF_HUB_OFFLINE: "1", ...jupyter_env, ...env } });
  assert.equal(r.status, 0, `${path.basename(cmd)} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** What a run notebook printed, its errors as "ERROR name: value" lines. */
function printed(nb: Notebook): string {
  return nb.cells.filter((c): c is CodeCell => c.cell_type === "code")
    .flatMap((c) => c.outputs.map((o) => (o.output_type === "stream" ? joined(o.text) : o.output_type === "error" ? `ERROR ${o.ename}: ${o.evalue}\n` : "")))
    .join("");
}

/** The install the later tests use (made by the first). */
let the_install: { project: string; cli: string; tgz: string } | undefined;
const need_install = () => {
  assert.ok(the_install, "the tarball was not installed (the first test failed)");
  return the_install;
};

test("npm pack → npm install of the tarball in a fresh project → kernelspec → a notebook on the ONNX engine", { skip, timeout: 600_000 }, () => {
  const tgz = sh(npm!, ["pack", "--pack-destination", home, "--silent", "--ignore-scripts"], ROOT, 120).stdout.trim().split("\n").pop()!;
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
  const cli = path.join(project, "node_modules", ".bin", "bertlab");
  const doctor = spawnSync(cli, ["doctor"], { cwd: project, encoding: "utf8", env: { ...process.env, HF_HUB_OFFLINE: "1", ...jupyter_env } });
  assert.match(doctor.stdout, /engine.*onnx \(onnxruntime-node 1\.30\.0\).*CPU only: its GPU provider libraries were not downloaded/);
  // the installed package compiles a cell importing bertlab outside any project, and draws a head view where Chromium is
  assert.match(doctor.stdout, /^ok +import +a cell importing bertlab compiled/m);
  assert.match(doctor.stdout, has_tool("chromium") ? /^ok +chromium +\S+: rendered a head view/m : /^missing chromium/m);
  assert.equal(doctor.status, /^broken/m.test(doctor.stdout) ? 1 : 0, doctor.stdout);

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
  assert.match(text, /shipped: bertlab\/mini-bert-uncased, .*bertlab\/mini-bert-uncased-mrpc/);
  assert.match(text, /last_engine: onnx\n/);
  assert.match(text, /auto_runs: onnx onnxruntime-node 1\.30\.0\n/);
  assert.match(text, /shape: 1x13x30522\n/);
  const plot = cells.find((c) => source_text(c).includes("show("))!.outputs.find((o) => o.output_type === "display_data");
  assert.ok(plot && plot.output_type === "display_data" && plot.data["image/png"] !== undefined, "the plot displays with a PNG");
  assert.match(fs.readFileSync(path.join(project, "out", "check.html"), "utf8"), /is next/);
  the_install = { project, cli, tgz: path.join(home, tgz) };
});

/** Runs a shipped notebook in place, as the README's recipe does; returns the executed notebook. */
function run_shipped(name: string, suffix: string, env: NodeJS.ProcessEnv = {}): Notebook {
  const { project, cli } = need_install();
  const nb = path.join("node_modules", "bertlab", "notebooks", `${name}.ipynb`);
  const out = path.join(project, "out", `${name}${suffix}.ipynb`);
  const params = parameter_args(fast_parameters(path.join(project, "out"))[name]);
  const t0 = Date.now();
  sh(cli, ["run", nb, "-o", out, "--timeout", "600", "-q", ...params], project, 1200, env);
  console.log(`${name}${suffix}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const executed = read_notebook(out);
  const text = printed(executed);
  assert.doesNotMatch(text, /ERROR/, `${name}${suffix}:\n${text}`);
  return executed;
}

/** The PNGs of the notebook's html views (head / model / neuron view, token attribution): [with PNG, all]. */
function html_views(nb: Notebook): [number, number] {
  const views = nb.cells.filter((c): c is CodeCell => c.cell_type === "code").flatMap((c) => c.outputs)
    .filter((o) => (o.output_type === "display_data" || o.output_type === "execute_result") && /bertlab-(head|model|neuron)-view|token-attribution/.test(joined((o.data["text/html"] ?? "") as string | string[])));
  return [views.filter((o) => (o as { data: Record<string, unknown> }).data["image/png"] !== undefined).length, views.length];
}

const NOTEBOOK_NAMES = Object.keys(fast_parameters(""));

test(`every shipped notebook runs in the installed project (${NOTEBOOK_NAMES.length}), Chromium ${has_tool("chromium") ? "visible" : "missing here"}`, { skip, timeout: 3_600_000 }, () => {
  const shipped = fs.readdirSync(path.join(need_install().project, "node_modules", "bertlab", "notebooks")).filter((f) => f.endsWith(".ipynb")).map((f) => f.replace(/\.ipynb$/, ""));
  assert.deepEqual(shipped.sort(), NOTEBOOK_NAMES, "every shipped notebook has CI-fast parameters here");
  for (const name of NOTEBOOK_NAMES) {
    const nb = run_shipped(name, "");
    if (name === "03-attention-maps") {
      const [png, all] = html_views(nb);
      assert.ok(all >= 1 && png === all, `03: ${png} of ${all} html views carry a PNG`);
    }
  }
});

test("the HTML-view notebook (03) with Chromium hidden: its views fall back to static PNGs, no error", { skip, timeout: 1_200_000 }, () => {
  const nb = run_shipped("03-attention-maps", "-without-chromium", { BERTLAB_CHROMIUM: "/nonexistent/chromium-hidden-by-package-install-test" });
  const [png, all] = html_views(nb);
  assert.ok(all >= 1 && png === all, `03 without Chromium: ${png} of ${all} html views carry a (static) PNG`);
});

const FOLDER_B_NOTEBOOK = {
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "bertlab", display_name: "TypeScript (bertlab)", language: "typescript" } },
  cells: [code(`import { AutoTokenizer, ready } from "bertlab";
await ready();
const tokenizer = await AutoTokenizer.from_pretrained("bertlab/mini-bert-uncased");
const ids: number[] = tokenizer("hello world").input_ids as number[];
console.log("ids:", ids.join(" "));
console.log("from:", require.resolve("bertlab"));`)],
};

test("a notebook in an unrelated folder (no package.json) imports bertlab on the project's kernel", { skip, timeout: 600_000 }, () => {
  const { project, cli } = need_install();
  const b = path.join(home, "folder-b");
  fs.mkdirSync(b, { recursive: true });
  fs.writeFileSync(path.join(b, "nb.ipynb"), JSON.stringify(FOLDER_B_NOTEBOOK));
  sh(cli, ["run", path.join(b, "nb.ipynb"), "-o", path.join(b, "out.ipynb"), "-q"], home, 300);
  const text = printed(read_notebook(path.join(b, "out.ipynb")));
  assert.match(text, /^ids: 101 7592 2088 102$/m);
  assert.match(text, new RegExp(`^from: ${fs.realpathSync(path.join(project, "node_modules", "bertlab")).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/dist/src/index\\.js$`, "m"));
});

test("a global-style install (npm install -g --prefix DIR; DIR/bin/bertlab kernel install): Jupyter runs a notebook in an unrelated folder", { skip: skip || skip_unless("nbconvert"), timeout: 900_000 }, () => {
  const { tgz } = need_install();
  const global = path.join(home, "global");
  const install = sh(npm!, ["install", "-g", "--prefix", global, tgz, "--prefer-offline", "--no-audit", "--no-fund"], home, 840);
  assert.match(install.stdout + install.stderr, /added \d+ packages/);
  const bin = path.join(global, "bin", "bertlab");
  const kernels = path.join(home, "global-kernels");
  sh(bin, ["kernel", "install", "--prefix", kernels], home, 60);
  const spec = JSON.parse(fs.readFileSync(path.join(kernels, "share", "jupyter", "kernels", "bertlab", "kernel.json"), "utf8")) as { argv: string[] };
  const pkg = fs.realpathSync(path.join(global, "lib", "node_modules", "bertlab"));
  assert.equal(spec.argv[1], path.join(pkg, "dist", "kernel", "server", "main.js"));
  // nbconvert started from a third folder executes the notebook of folder C with that kernelspec
  const c = path.join(home, "folder-c");
  const jupyter_cwd = path.join(home, "jupyter-cwd");
  fs.mkdirSync(c, { recursive: true });
  fs.mkdirSync(jupyter_cwd, { recursive: true });
  fs.writeFileSync(path.join(c, "nb.ipynb"), JSON.stringify(FOLDER_B_NOTEBOOK));
  sh(PY, ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=bertlab", "--ExecutePreprocessor.timeout=240",
    "--output-dir", c, "--output", "executed.ipynb", path.join(c, "nb.ipynb")], jupyter_cwd, 300, { JUPYTER_PATH: path.join(kernels, "share", "jupyter") });
  const text = printed(read_notebook(path.join(c, "executed.ipynb")));
  assert.match(text, /^ids: 101 7592 2088 102$/m);
  assert.match(text, new RegExp(`^from: ${pkg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/dist/src/index\\.js$`, "m"));
});
