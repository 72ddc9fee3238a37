// `npx bertlab doctor` lists backend, engine, Jupyter, Chromium, fonts, kernelspec, hub cache and offline
// mode, each ok / missing / info with what it found and how to fix what is missing — checked by running the
// CLI on a machine made bare through the environment (no Jupyter on PATH, no Chromium, no kernelspec,
// offline), then again after `bertlab kernel install`.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { Check } from "../kernel/doctor";

const CLI = path.join(__dirname, "..", "dist", "kernel", "cli.js");
const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-doctor-"));
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

function doctor(env: NodeJS.ProcessEnv, json = true): { checks: Check[]; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "doctor", ...(json ? ["--json"] : [])], { env, encoding: "utf8", timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  return { checks: json ? JSON.parse(r.stdout) : [], stdout: r.stdout, stderr: r.stderr };
}

test("doctor on a bare machine: each check with its status, and a fix for every missing one", () => {
  const { checks, stderr } = doctor(bare_env);
  const by = Object.fromEntries(checks.map((c) => [c.name, c]));
  assert.deepEqual(checks.map((c) => c.name), ["backend", "engine", "jupyter", "chromium", "fonts-cjk", "fonts-emoji", "kernelspec", "hub-cache", "offline"]);
  for (const c of checks) {
    assert.ok(["ok", "missing", "info"].includes(c.status), `${c.name}: ${c.status}`);
    assert.ok(c.detail.length > 0, c.name);
    if (c.status === "missing") assert.ok(c.fix && c.fix.length > 10, `${c.name} is missing and says how to fix it`);
  }
  assert.equal(by.backend.status, "ok");
  assert.match(by.backend.detail, /^tfjs (node|wasm|cpu) — /);
  assert.match(by.engine.detail, by.engine.status === "ok" ? /^onnx \(onnxruntime-node \d+\.\d+\.\d+\)/ : /onnxruntime-node does not load/);
  assert.equal(by.jupyter.status, "missing");
  assert.match(by.jupyter.fix!, /apt-get install jupyter-notebook/);
  assert.equal(by.chromium.status, "missing");
  assert.match(by.chromium.fix!, /apt-get install chromium/);
  assert.match(by["fonts-cjk"].status === "ok" ? by["fonts-cjk"].detail : by["fonts-cjk"].fix!, by["fonts-cjk"].status === "ok" ? /\.(ttc|otf|ttf)/ : /fonts-noto-cjk/);
  assert.match(by["fonts-emoji"].status === "ok" ? by["fonts-emoji"].detail : by["fonts-emoji"].fix!, by["fonts-emoji"].status === "ok" ? /\.(ttf|otf)/ : /fonts-noto-color-emoji/);
  assert.equal(by.kernelspec.status, "missing");
  assert.equal(by.kernelspec.fix, "npx bertlab kernel install");
  assert.equal(by["hub-cache"].status, "ok");
  assert.equal(by["hub-cache"].detail, `${path.join(home, "hf", "hub")} (not created yet)`);
  assert.equal(by.offline.status, "info");
  assert.match(by.offline.detail, /^on \(HF_HUB_OFFLINE.*shipped models: bertlab\/mini-bert-uncased, /);
  assert.doesNotMatch(stderr, /looks like you are running TensorFlow\.js/);
});

test("doctor after `bertlab kernel install --prefix`: the kernelspec is found; the text report prints fixes under missing checks", () => {
  const r = spawnSync(process.execPath, [CLI, "kernel", "install", "--prefix", path.join(home, "prefix")], { env: bare_env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const { checks } = doctor(bare_env);
  const k = checks.find((c) => c.name === "kernelspec")!;
  assert.equal(k.status, "ok");
  assert.equal(k.detail, `bertlab in ${path.join(home, "prefix", "share", "jupyter", "kernels", "bertlab")}`);
  const { stdout } = doctor({ ...bare_env, HF_HUB_OFFLINE: "" }, false);
  assert.match(stdout, /^missing chromium +no headless Chromium.*\n +→ apt-get install chromium/m);
  assert.match(stdout, /^info +offline +off: ids missing from the cache download from https?:\/\//m);
  assert.match(stdout, /\d+ missing; bertlab works without them/);
});
