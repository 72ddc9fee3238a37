// `npx bertlab doctor` proves each line by trying it, and its verdicts match reality: on a machine made bare
// through the environment (no Jupyter on PATH, Chromium hidden, no kernelspec, offline) chromium and the kernelspec
// are `missing` with their fix, while the int8 forward, the head-view PNG and a cell compiled outside any project
// are really run; a kernelspec that launches another install (or a removed one) is `broken`, with the exact
// reinstall command, and the exit status is 1; Chromium present but playwright-core absent is `broken`; Chromium
// present and working renders a head view. After `bertlab kernel install` from this install the kernelspec is `ok`.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { Check } from "../kernel/doctor";
import { skip_unless } from "./helpers/tools";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const HIDE_MODULES = path.join(__dirname, "helpers", "hide_modules.cjs");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-doctor-"));
after(() => fs.rmSync(home, { recursive: true, force: true }));
const empty_bin = path.join(home, "bin");
fs.mkdirSync(empty_bin);
const bare_env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: empty_bin, // nothing on PATH: no jupyter
  BERTLAB_CHROMIUM: path.join(home, "no-chromium"),
  JUPYTER_PATH: path.join(home, "prefix", "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(home, "jdata"),
  XDG_DATA_HOME: path.join(home, "xdg"),
  HF_HOME: path.join(home, "hf"),
  HF_HUB_OFFLINE: "1",
};
delete bare_env.HF_HUB_CACHE;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function doctor(env: NodeJS.ProcessEnv, opts: { json?: boolean; node_args?: string[] } = {}): { checks: Check[]; by: Record<string, Check>; stdout: string; stderr: string; status: number | null } {
  const json = opts.json ?? true;
  const r = spawnSync(process.execPath, [...(opts.node_args ?? []), CLI, "doctor", ...(json ? ["--json"] : [])], { env, encoding: "utf8", timeout: 180_000 });
  const checks: Check[] = json ? JSON.parse(r.stdout) : [];
  // the exit status says whether anything is broken
  if (json) assert.equal(r.status, checks.some((c) => c.status === "broken") ? 1 : 0, `exit status ${r.status}: ${r.stderr}`);
  return { checks, by: Object.fromEntries(checks.map((c) => [c.name, c])), stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test("doctor on a bare machine: each line tried, missing ones with their fix; int8 and a cell outside any project really run", { timeout: 200_000 }, () => {
  const { checks, by, stderr } = doctor(bare_env);
  assert.deepEqual(checks.map((c) => c.name), ["backend", "engine", "cpu", "int8", "jupyter", "chromium", "fonts-cjk", "fonts-emoji", "kernelspec", "import", "hub-cache", "offline"]);
  for (const c of checks) {
    assert.ok(["ok", "missing", "broken", "info"].includes(c.status), `${c.name}: ${c.status}`);
    assert.ok(c.detail.length > 0, c.name);
    if (c.status === "missing" || c.status === "broken") assert.ok(c.fix && c.fix.length > 10, `${c.name} is ${c.status} and says how to fix it`);
  }
  assert.equal(by.backend.status, "ok");
  assert.match(by.backend.detail, /^tfjs (node|wasm|cpu) — /);
  assert.match(by.engine.detail, by.engine.status === "ok" ? /^onnx \(onnxruntime-node \d+\.\d+\.\d+\)/ : /onnxruntime-node does not load/);
  // the CPU line names the x86-64 class that decides the int8 path
  assert.match(by.cpu.detail, /\d+ cores; (x86-64 (AVX-512 VNNI|AVX-512 without VNNI|AVX2 with(out)? (AVX-)?VNNI|without AVX2|, features unknown)|\w+ \(not x86-64\))/);
  if (by.engine.status === "ok") {
    // one real int8 forward: its cosine decides ok (≥ 0.999) or broken (below), on whatever CPU runs this
    const m = /last hidden state cosine (\d\.\d+) \(floor 0\.999/.exec(by.int8.detail);
    assert.ok(m, by.int8.detail);
    const cos = Number(m[1]);
    assert.ok(cos > 0.9 && cos <= 1.00001, `cosine ${cos}`);
    assert.equal(by.int8.status, cos >= 0.999 ? "ok" : "broken", by.int8.detail);
    assert.match(by.int8.detail, /int8 \{"dtype":"int8"/);
  } else {
    assert.equal(by.int8.status, "missing");
  }
  assert.equal(by.jupyter.status, "missing");
  assert.match(by.jupyter.fix!, /apt-get install jupyter-notebook/);
  assert.equal(by.chromium.status, "missing");
  assert.match(by.chromium.detail, new RegExp(`no headless Chromium was found \\(looked at BERTLAB_CHROMIUM=${esc(path.join(home, "no-chromium"))}\\)`));
  assert.match(by.chromium.fix!, /apt-get install chromium/);
  assert.match(by["fonts-cjk"].status === "ok" ? by["fonts-cjk"].detail : by["fonts-cjk"].fix!, by["fonts-cjk"].status === "ok" ? /\.(ttc|otf|ttf)/ : /fonts-noto-cjk/);
  assert.match(by["fonts-emoji"].status === "ok" ? by["fonts-emoji"].detail : by["fonts-emoji"].fix!, by["fonts-emoji"].status === "ok" ? /\.(ttf|otf)/ : /fonts-noto-color-emoji/);
  assert.equal(by.kernelspec.status, "missing");
  assert.equal(by.kernelspec.fix, `node ${CLI} kernel install --user`);
  // a real cell, compiled (type-checked) and run by this install's executor in a fresh temp folder, then removed
  assert.equal(by.import.status, "ok", by.import.detail);
  const dir = /ran in (\S+)/.exec(by.import.detail)![1];
  assert.ok(dir.startsWith(os.tmpdir()) && !fs.existsSync(dir), `${dir}: a temp folder, removed afterwards`);
  assert.equal(by["hub-cache"].status, "ok");
  assert.equal(by["hub-cache"].detail, `${path.join(home, "hf", "hub")} (not created yet)`);
  assert.equal(by.offline.status, "info");
  assert.match(by.offline.detail, /^on \(HF_HUB_OFFLINE.*shipped models: bertlab\/mini-bert-uncased, /);
  assert.doesNotMatch(stderr, /looks like you are running TensorFlow\.js/);
});

/** A kernelspec under `prefix` whose argv is `argv` (what another bertlab install, or a removed one, would leave). */
function foreign_spec(prefix: string, argv: string[]): string {
  const dir = path.join(prefix, "share", "jupyter", "kernels", "bertlab");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript (bertlab)", language: "typescript" }));
  return dir;
}

test("a kernelspec that launches another install, or a removed one, is broken: exit 1 and the reinstall command; after it, ok", { timeout: 300_000 }, () => {
  const prefix = path.join(home, "prefix");
  const other = path.join(home, "other-project", "node_modules", "bertlab", "dist", "kernel", "server", "main.js");
  fs.mkdirSync(path.dirname(other), { recursive: true });
  fs.writeFileSync(other, "// another bertlab install\n");
  const dir = foreign_spec(prefix, [process.execPath, other, "{connection_file}"]);
  const fix = `node ${CLI} kernel install --prefix ${prefix}`;

  let r = doctor(bare_env);
  assert.equal(r.status, 1);
  assert.equal(r.by.kernelspec.status, "broken");
  assert.match(r.by.kernelspec.detail, new RegExp(`^${esc(dir)} \\(found by Jupyter's data folders\\) launches ${esc(fs.realpathSync(other))}, another install: .*not this one \\(${esc(fs.realpathSync(ROOT))}\\)`));
  assert.equal(r.by.kernelspec.fix, fix);

  fs.rmSync(path.join(home, "other-project"), { recursive: true });
  r = doctor(bare_env, { json: false });
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`^broken  kernelspec  ${esc(dir)} launches ${esc(other)}, which does not exist \\(a removed or moved install\\)\\n +→ ${esc(fix)}$`, "m"));
  assert.match(r.stdout, /^1 broken: bertlab cannot do what that line says; run the fix above\.$/m);

  // the fix it printed, run as printed
  const [node, cli, ...args] = fix.split(" ");
  assert.equal(node, "node");
  const installed = spawnSync(process.execPath, [cli, ...args], { env: bare_env, encoding: "utf8" });
  assert.equal(installed.status, 0, installed.stderr);
  r = doctor(bare_env);
  assert.equal(r.by.kernelspec.status, "ok");
  assert.equal(r.by.kernelspec.detail, `${dir} launches this install (${fs.realpathSync(path.join(ROOT, "dist", "kernel", "server", "main.js"))})`);
  fs.rmSync(dir, { recursive: true });
});

test("with Jupyter on PATH, the kernelspec line asks `jupyter kernelspec list` which one Jupyter finds", { skip: skip_unless("notebook"), timeout: 200_000 }, () => {
  const prefix = path.join(home, "prefix-jupyter");
  const other = path.join(home, "elsewhere", "dist", "kernel", "server", "main.js");
  fs.mkdirSync(path.dirname(other), { recursive: true });
  fs.writeFileSync(other, "// another bertlab install\n");
  const dir = foreign_spec(prefix, [process.execPath, other, "{connection_file}"]);
  const { by } = doctor({ ...bare_env, PATH: `/usr/bin:${process.env.PATH}`, JUPYTER_PATH: path.join(prefix, "share", "jupyter") });
  assert.equal(by.jupyter.status, "ok");
  assert.equal(by.kernelspec.status, "broken");
  assert.match(by.kernelspec.detail, new RegExp(`^${esc(dir)} \\(found by jupyter kernelspec list\\) launches ${esc(fs.realpathSync(other))}, another install`));
  assert.equal(by.kernelspec.fix, `node ${CLI} kernel install --prefix ${prefix}`);
});

test("Chromium present but playwright-core missing: chromium is broken (html views fall back to static PNGs)", { timeout: 200_000 }, () => {
  const env = { ...bare_env, BERTLAB_CHROMIUM: process.execPath, BERTLAB_TEST_HIDE_MODULES: "playwright-core" };
  const { by, status } = doctor(env, { node_args: ["--require", HIDE_MODULES] });
  assert.equal(status, 1);
  assert.equal(by.chromium.status, "broken");
  assert.match(by.chromium.detail, new RegExp(`^${esc(process.execPath)} is here, but playwright-core does not load \\(Cannot find module 'playwright-core'`));
  assert.match(by.chromium.fix!, /npm install bertlab/);
});

test("Chromium present: doctor renders a head view to PNG through it", { skip: skip_unless("chromium"), timeout: 200_000 }, () => {
  const env = { ...bare_env };
  delete env.BERTLAB_CHROMIUM;
  if (process.env.BERTLAB_CHROMIUM) env.BERTLAB_CHROMIUM = process.env.BERTLAB_CHROMIUM;
  const { by } = doctor(env);
  assert.equal(by.chromium.status, "ok", by.chromium.detail);
  assert.match(by.chromium.detail, /: rendered a head view to a \d+×\d+ PNG in \d+ ms/);
});
