// `bertlab kernel install/list/uninstall`: a valid kernelspec with absolute, existing paths, no Python needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { install_kernelspec, jupyter_data_dir, list_kernelspecs, uninstall_kernelspec, KernelSpec } from "../kernel/kernelspec";
import { INSTALL_HELP, start_lab } from "../kernel/lab";

const CLI = path.join(__dirname, "..", "dist", "kernel", "cli.js");

function check_spec(dir: string, display_name: string, engine: "bertlab" | "tslab" = "bertlab"): KernelSpec {
  const spec: KernelSpec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8"));
  assert.equal(spec.language, "typescript");
  assert.equal(spec.display_name, display_name);
  assert.equal(spec.interrupt_mode, "signal");
  if (engine === "bertlab") {
    // bertlab's own kernel (the default): node dist/kernel/server/main.js {connection_file}
    const [node, main, conn] = spec.argv;
    assert.equal(spec.argv.length, 3);
    assert.ok(path.isAbsolute(node) && fs.existsSync(node), `node path ${node}`);
    assert.ok(path.isAbsolute(main) && fs.existsSync(main), `kernel path ${main}`);
    assert.match(main, /dist[\\/]kernel[\\/]server[\\/]main\.js$/);
    assert.equal(conn, "{connection_file}");
  } else {
    const [node, tslab, sub, flag, conn] = spec.argv;
    assert.equal(spec.argv.length, 5);
    assert.ok(path.isAbsolute(node) && fs.existsSync(node), `node path ${node}`);
    assert.ok(path.isAbsolute(tslab) && fs.existsSync(tslab), `launcher path ${tslab}`);
    assert.match(tslab, /dist[\\/]kernel[\\/]tslab_launch\.js$/); // tslab with a lossless iopub publisher
    assert.deepEqual([sub, flag, conn], ["kernel", "--config-path", "{connection_file}"]);
  }
  for (const logo of ["logo-svg.svg", "logo-32x32.png", "logo-64x64.png"]) assert.ok(fs.existsSync(path.join(dir, logo)), logo);
  const png = fs.readFileSync(path.join(dir, "logo-64x64.png"));
  assert.equal(png.readUInt32BE(16), 64, "64 px wide logo");
  return spec;
}

test("install_kernelspec --prefix writes DIR/share/jupyter/kernels/<name>/kernel.json; list and uninstall find it", () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kspec-"));
  const dir = install_kernelspec({ prefix, name: "bertlab-test", display_name: "TS test" });
  assert.equal(dir, path.join(prefix, "share", "jupyter", "kernels", "bertlab-test"));
  check_spec(dir, "TS test");
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") };
  assert.ok(list_kernelspecs(env).some((k) => k.name === "bertlab-test" && k.dir === dir));
  assert.equal(uninstall_kernelspec("bertlab-test", { prefix }), dir);
  assert.ok(!fs.existsSync(dir));
  assert.throws(() => uninstall_kernelspec("bertlab-test", { prefix }), /no kernelspec named "bertlab-test"/);
  assert.throws(() => install_kernelspec({ prefix, name: "bad name" }), /kernel name "bad name" is invalid/);
});

test("the user data dir follows JUPYTER_DATA_DIR, else XDG_DATA_HOME / ~/.local/share/jupyter", () => {
  assert.equal(jupyter_data_dir({ JUPYTER_DATA_DIR: "/x/y" }), "/x/y");
  if (process.platform === "linux") {
    assert.equal(jupyter_data_dir({ XDG_DATA_HOME: "/xdg" }), "/xdg/jupyter");
    assert.equal(jupyter_data_dir({}), path.join(os.homedir(), ".local", "share", "jupyter"));
  }
});

test("`bertlab kernel install --user` (the CLI) honours JUPYTER_DATA_DIR; `kernel list` shows it", () => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kdata-"));
  const env = { ...process.env, JUPYTER_DATA_DIR: data, JUPYTER_PATH: "" };
  const r = spawnSync(process.execPath, [CLI, "kernel", "install", "--user", "--display-name", "BERT lab"], { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const dir = path.join(data, "kernels", "bertlab");
  assert.match(r.stdout, new RegExp(`Installed kernelspec bertlab in ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  check_spec(dir, "BERT lab");
  const list = spawnSync(process.execPath, [CLI, "kernel", "list"], { env, encoding: "utf8" });
  assert.match(list.stdout, new RegExp(`bertlab\\s+${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+\\(BERT lab\\)`));
  // stock tslab stays selectable
  const tslab = spawnSync(process.execPath, [CLI, "kernel", "install", "--engine", "tslab", "--name", "bertlab-tslab", "--display-name", "tslab"], { env, encoding: "utf8" });
  assert.equal(tslab.status, 0, tslab.stderr);
  check_spec(path.join(data, "kernels", "bertlab-tslab"), "tslab", "tslab");
  const wrong = spawnSync(process.execPath, [CLI, "kernel", "install", "--engine", "deno"], { env, encoding: "utf8" });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /--engine "deno": expected bertlab or tslab/);
  const bad = spawnSync(process.execPath, [CLI, "kernel", "install", "--user", "--prefix", data], { env, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--user and --prefix are exclusive/);
});

test("`npm run lab` without Jupyter on PATH prints how to install it and returns 1", async () => {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (s: string) => lines.push(s);
  try {
    const code = await start_lab({ env: { PATH: fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-nopath-")) } });
    assert.equal(code, 1);
  } finally {
    console.error = orig;
  }
  assert.equal(lines.join("\n"), INSTALL_HELP);
  assert.match(INSTALL_HELP, /pip install jupyterlab/);
  assert.match(INSTALL_HELP, /apt-get install jupyter-notebook/);
});

test("`kernel install` warns when another kernelspec of that name comes first on Jupyter's path (notebooks would run that one)", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-kshadow-"));
  try {
    const other = path.join(home, "other", "share", "jupyter", "kernels", "bertlab");
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, "kernel.json"), JSON.stringify({ argv: ["/usr/bin/node", "/elsewhere/dist/kernel/server/main.js", "{connection_file}"], display_name: "x", language: "typescript" }));
    const env = { ...process.env, JUPYTER_PATH: path.join(home, "other", "share", "jupyter"), JUPYTER_DATA_DIR: path.join(home, "data") };
    const r = spawnSync(process.execPath, [CLI, "kernel", "install", "--user"], { env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Installed kernelspec bertlab in /);
    assert.equal(r.stderr.trim(), `warning: Jupyter finds ${other} first (it launches /usr/bin/node /elsewhere/dist/kernel/server/main.js), not this one; `
      + `put ${path.join(home, "data")} first on JUPYTER_PATH, or remove that one: npx bertlab kernel uninstall bertlab --prefix ${path.join(home, "other")}`);
    // no warning when the installed one is the one Jupyter finds
    const ok = spawnSync(process.execPath, [CLI, "kernel", "install", "--prefix", path.join(home, "other")], { env, encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stderr, "");
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
