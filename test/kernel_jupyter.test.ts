// Through real Jupyter and a real browser: nbconvert --execute with our kernelspec, the runner's HTML report in
// Chromium (every plot drawn), and the classic notebook server showing the executed notebook's plots.
// Needs Debian's jupyter-nbconvert / jupyter-notebook / chromium (.ci/run installs them); each test is skipped
// with the reason printed when its binary is missing. Screenshots go to test/artifacts/ (gitignored).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { install_kernelspec } from "../kernel/kernelspec";
import { run_notebook } from "../kernel/runner";
import { CodeCell, joined, read_notebook } from "../kernel/notebook";
import { VEGA_LITE_MIME } from "../kernel/bundle";
import { start_lab } from "../kernel/lab";
import { CHROMIUM_FLAGS, chromium_path, count_ink, decode_png } from "../plots/render";
import { PY, skip_unless } from "./helpers/tools";
import { free_ports } from "../kernel/client";

const ROOT = path.join(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures", "kernel");
const ARTIFACTS = path.join(__dirname, "artifacts", "kernel");
const KERNEL = "bertlab-test";

// Tool detection (and BERTLAB_TEST_WITHOUT=chromium,jupyter to simulate a bare machine): test/helpers/tools.ts.
const skip_nbconvert = skip_unless("nbconvert");
const skip_browser = skip_unless("chromium");
const skip_server = skip_unless("notebook", "chromium");

// An isolated Jupyter: kernelspec in a temp prefix on JUPYTER_PATH, temp data/config/runtime dirs.
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-jupyter-test-"));
const prefix = path.join(home, "prefix");
const jupyter_env = {
  ...process.env,
  JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(home, "data"),
  JUPYTER_CONFIG_DIR: path.join(home, "config"),
  JUPYTER_RUNTIME_DIR: path.join(home, "runtime"),
  IPYTHONDIR: path.join(home, "ipython"),
};
install_kernelspec({ prefix, name: KERNEL });

// The runner's outputs, made once and shared by the browser tests.
let executed: Promise<{ ipynb: string; html: string }> | undefined;
function executed_fixture(): Promise<{ ipynb: string; html: string }> {
  executed ??= (async () => {
    const ipynb = path.join(home, "nb", "display.ipynb");
    const html = path.join(home, "display.html");
    const r = await run_notebook(path.join(FIXTURES, "display.ipynb"), { output: ipynb, html, log: () => {}, timeout_s: 120 });
    assert.equal(r.ok, true, r.failure?.message);
    return { ipynb, html };
  })();
  return executed;
}

async function launch_browser(): Promise<any> {
  const { chromium: pw } = require("playwright-core");
  return pw.launch({ executablePath: chromium_path()!, args: CHROMIUM_FLAGS, headless: true });
}

async function element_ink(el: any, file: string): Promise<number> {
  const png: Buffer = await el.screenshot({ type: "png" });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
  return count_ink(decode_png(png));
}

test("nbconvert --execute runs the fixture notebook through the installed kernelspec with zero errors", { skip: skip_nbconvert }, () => {
  const out_dir = path.join(home, "nbconvert");
  const r = spawnSync(PY, [
    "-m", "nbconvert", "--to", "notebook", "--execute",
    "--ExecutePreprocessor.timeout=180", `--ExecutePreprocessor.kernel_name=${KERNEL}`,
    "--output-dir", out_dir, path.join(FIXTURES, "display.ipynb"),
  ], { env: jupyter_env, encoding: "utf8", timeout: 300000 });
  assert.equal(r.status, 0, `nbconvert failed:\n${r.stderr}`);
  const nb = read_notebook(path.join(out_dir, "display.ipynb"));
  const cells = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
  const errors = cells.flatMap((c) => c.outputs.filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr")));
  assert.deepEqual(errors, []);
  const stdout = cells.flatMap((c) => c.outputs.map((o) => (o.output_type === "stream" ? o.text : ""))).join("");
  assert.match(stdout, /hello x2\n/);
  // a cell's last value is Out[n] through Jupyter too: torch-style text plus the HTML table
  const results = cells.flatMap((c) => c.outputs.filter((o) => o.output_type === "execute_result"));
  assert.equal(results.length, 1, "the logits cell's value");
  const out = results[0] as { data: Record<string, unknown>; execution_count: number };
  assert.equal(joined(out.data["text/plain"] as string | string[]), "tensor([[ 5.9950, -5.5033]])");
  assert.match(joined(out.data["text/html"] as string | string[]), /tensor · shape \[1, 2\] · float32/);
  assert.equal(out.execution_count, cells.find((c) => c.outputs.includes(results[0]))!.execution_count);
  const displays = cells.flatMap((c) => c.outputs.filter((o) => o.output_type === "display_data"));
  assert.equal(displays.length, 4, "bar chart, plotly heatmap, head view, live curve");
  assert.ok(displays.some((o) => o.output_type === "display_data" && VEGA_LITE_MIME in o.data && "image/png" in o.data));
});

test("the runner's executed notebook validates against the nbformat 4.5 schema (Python nbformat)", { skip: skip_unless("nbformat") }, async () => {
  const { ipynb } = await executed_fixture();
  const r = spawnSync(PY, ["-c", "import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT); nbformat.validate(nb); print(nb.nbformat, nb.nbformat_minor)", ipynb], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "4 5");
});

test("the runner's HTML report renders every plot in Chromium (non-blank pixels in each plot element)", { skip: skip_browser }, async () => {
  const { html } = await executed_fixture();
  const browser = await launch_browser();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.route("**/*", (route: any) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    await page.goto("file://" + html);
    await page.waitForFunction(() => [...document.querySelectorAll(".bl-plot")].every((e) => e.getAttribute("data-rendered")), null, { timeout: 60000 });
    const plots = await page.$$(".bl-plot");
    assert.equal(plots.length, 3);
    for (const [i, el] of plots.entries()) {
      const state = await el.evaluate((e: Element) => [e.getAttribute("data-library"), e.getAttribute("data-rendered"), e.getAttribute("data-error")]);
      assert.equal(state[1], "interactive", `plot ${i} (${state[0]}) rendered interactively: ${state[2]}`);
      const ink = await element_ink(el, path.join(ARTIFACTS, `report-plot-${i}.png`));
      assert.ok(ink > 1000, `plot ${i} (${state[0]}) has ${ink} non-background pixels`);
    }
    // The head view (an html chart) draws its own SVG lines with its inlined script.
    const html_charts = await page.$$(".bl-html:has(.bertlab-head-view)");
    assert.equal(html_charts.length, 1);
    // the other html output is the logits cell's value (Out[4]): the tensor as a table
    assert.match(await page.$$eval(".bl-html", (els: Element[]) => els.map((e) => e.textContent).join("\n")), /tensor · shape \[1, 2\] · float32[^]*5\.9950/);
    assert.ok((await html_charts[0].$$("svg line, svg path")).length > 0, "head view drew its attention lines");
    const ink = await element_ink(html_charts[0], path.join(ARTIFACTS, "report-head-view.png"));
    assert.ok(ink > 500, `head view has ${ink} non-background pixels`);
    await page.screenshot({ path: path.join(ARTIFACTS, "report.png"), fullPage: true });
  } finally {
    await browser.close();
  }
});

function wait_for_server(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90000;
  return new Promise((resolve, reject) => {
    const poll = async () => {
      if (proc.exitCode !== null) return reject(new Error(`jupyter notebook exited (${proc.exitCode}):\n${log()}`));
      try {
        if ((await fetch(url)).ok) return resolve();
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) return reject(new Error(`jupyter notebook did not answer ${url} in 90 s:\n${log()}`));
      setTimeout(poll, 300);
    };
    void poll();
  });
}

test("the classic notebook server shows the executed notebook's plot outputs", { skip: skip_server }, async () => {
  const { ipynb } = await executed_fixture();
  // Trust the executed notebook (its outputs were not made in this browser session).
  const trust = spawnSync(PY, ["-c", "import sys, nbformat; from nbformat.sign import NotebookNotary; nb = nbformat.read(sys.argv[1], 4); NotebookNotary().sign(nb)", ipynb], { env: jupyter_env, encoding: "utf8" });
  assert.equal(trust.status, 0, trust.stderr);
  const [port] = await free_ports(1);
  const token = "bertlab-test-token";
  let log = "";
  const server = spawn(PY, [
    "-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`,
    `--notebook-dir=${path.dirname(ipynb)}`, "--NotebookApp.open_browser=False", "--allow-root",
  ], { env: jupyter_env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const browser = await launch_browser();
  try {
    await wait_for_server(`http://127.0.0.1:${port}/api?token=${token}`, server, () => log);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/notebooks/${path.basename(ipynb)}?token=${token}`);
    await page.waitForSelector(".output_subarea", { timeout: 60000 });
    // The server started our kernel for the notebook: it reaches idle (kernel_info answered over its websocket).
    await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 60000 });
    await page.waitForTimeout(1000);
    const plots = await page.$$(".output_subarea.output_svg, .output_subarea.output_png, .output_subarea.output_html:has(.bertlab-head-view)");
    assert.equal(plots.length, 4, "four plot outputs (vega-lite, plotly, head view, live curve)");
    for (const [i, el] of plots.entries()) {
      await el.scrollIntoViewIfNeeded();
      const ink = await element_ink(el, path.join(ARTIFACTS, `notebook-plot-${i}.png`));
      assert.ok(ink > 1000, `notebook plot output ${i} has ${ink} non-background pixels`);
    }
    const text = await page.$$eval(".output_subarea.output_stream", (els: Element[]) => els.map((e) => e.textContent).join("\n"));
    assert.match(text, /tensor\(\[\[9\.9999e-01, 1\.0147e-05\]\]\)/);
    // Out[4], the logits tensor, shows as its HTML table
    const out = await page.$$eval(".output_subarea.output_html", (els: Element[]) => els.map((e) => e.textContent).join("\n"));
    assert.match(out, /tensor · shape \[1, 2\] · float32[^]*5\.9950[^]*-5\.5033/);
    await page.screenshot({ path: path.join(ARTIFACTS, "notebook.png"), fullPage: true });
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await new Promise((res) => (server.exitCode !== null ? res(null) : server.once("exit", res)));
  }
});

test("`npm run lab` finds jupyter-notebook, installs the kernelspec under .cache/jupyter and starts it", { skip: skip_unless("notebook") }, async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-lab-"));
  const orig = console.log;
  console.log = () => {};
  let code: number;
  try {
    code = await start_lab({ cwd, env: { ...jupyter_env, PATH: "/usr/bin:/bin" }, extra_args: ["--version"] });
  } finally {
    console.log = orig;
  }
  assert.equal(code, 0);
  const spec = JSON.parse(fs.readFileSync(path.join(cwd, ".cache", "jupyter", "share", "jupyter", "kernels", "bertlab", "kernel.json"), "utf8"));
  assert.equal(spec.language, "typescript");
});
