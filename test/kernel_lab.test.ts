// `bertlab lab`: Jupyter's options pass through (--no-browser, --port, --ip, --notebook-dir, anything after --), a
// busy port is said and the next free one taken, and the URL with its token is printed once Jupyter answers. The
// real thing: the CLI starts Debian's classic `jupyter notebook` on loopback, the test reads the URL, asks
// /api/kernelspecs with the token (bertlab is there, launching this build; python3 is not, because of an option
// given after --), /api/contents shows the --notebook-dir folder, and SIGTERM stops it all within seconds.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { choose_port, port_free } from "../kernel/lab";
import { free_ports } from "../kernel/client";
import { skip_unless } from "./helpers/tools";

const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");

function hold(port: number, host = "127.0.0.1"): Promise<net.Server> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once("error", rej).listen(port, host, () => res(s));
  });
}
const close = (s: net.Server) => new Promise((res) => s.close(res));

test("choose_port: a free port is kept; a busy one gives the next free one", async () => {
  const [p] = await free_ports(1);
  assert.equal(await port_free(p, "127.0.0.1"), true);
  assert.equal(await choose_port(p, "127.0.0.1"), p);
  const s = await hold(p);
  try {
    assert.equal(await port_free(p, "127.0.0.1"), false);
    assert.equal(await port_free(p), false); // Jupyter's default "localhost" covers 127.0.0.1
    const q = await choose_port(p, "127.0.0.1");
    assert.ok(q > p, `${q} after ${p}`);
    assert.equal(await port_free(q, "127.0.0.1"), true);
  } finally {
    await close(s);
  }
});

test("`bertlab lab --port abc` and a missing --notebook-dir are errors naming the option", () => {
  const r = spawnSync(process.execPath, [CLI, "lab", "--port", "abc"], { encoding: "utf8" });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port "abc": expected a port number 1\.\.65535/);
  if (fs.existsSync("/usr/bin/jupyter-notebook") || fs.existsSync("/usr/bin/jupyter-lab")) {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-lab-nodir-"));
    const m = spawnSync(process.execPath, [CLI, "lab", "--no-browser", "--notebook-dir", "nope"], { cwd, encoding: "utf8", env: { ...process.env, PATH: `/usr/bin:/bin` } });
    assert.equal(m.status, 2);
    assert.match(m.stderr, /--notebook-dir ".*nope": no such folder/);
    fs.rmSync(cwd, { recursive: true });
  }
});

test("`bertlab lab --no-browser --port BUSY --ip 127.0.0.1 --notebook-dir D -- OPTION`: real Jupyter, URL with token, kernelspec served", { skip: skip_unless("notebook"), timeout: 120_000 }, async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-lab-test-"));
  const nbdir = path.join(home, "my notebooks");
  fs.mkdirSync(nbdir);
  fs.writeFileSync(path.join(nbdir, "marker.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }));
  const env = {
    ...process.env,
    PATH: `/usr/bin:/bin:${path.dirname(process.execPath)}`,
    JUPYTER_CONFIG_DIR: path.join(home, "config"), JUPYTER_DATA_DIR: path.join(home, "data"),
    JUPYTER_RUNTIME_DIR: path.join(home, "runtime"), IPYTHONDIR: path.join(home, "ipython"), JUPYTER_PATH: "",
  };
  delete (env as NodeJS.ProcessEnv).JUPYTER_TOKEN;
  const [busy] = await free_ports(1);
  const blocker = await hold(busy);
  const lab = spawn(process.execPath, [CLI, "lab", "--no-browser", "--port", String(busy), "--ip", "127.0.0.1", "--notebook-dir", nbdir, "--", "--KernelSpecManager.allowed_kernelspecs=['bertlab']"], { cwd: home, env });
  let out = "";
  lab.stdout.on("data", (d) => (out += d));
  lab.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((res) => lab.on("exit", (code) => res(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!/is ready: \S+/.test(out) && Date.now() < deadline && lab.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    const url = /Jupyter notebook is ready: (\S+)/.exec(out)?.[1];
    assert.ok(url, `no URL printed:\n${out}`);
    assert.match(out, new RegExp(`^Port ${busy} is busy; using \\d+\\.$`, "m"));
    const port = Number(/^Port \d+ is busy; using (\d+)\./m.exec(out)![1]);
    assert.ok(port > busy);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/tree\?token=([0-9a-f]{48})$/.exec(url!);
    assert.ok(m, url);
    assert.equal(Number(m[1]), port);
    const token = m[2];
    const api = (p: string, t = token) => fetch(`http://127.0.0.1:${port}/api/${p}${t ? `?token=${t}` : ""}`);
    assert.equal((await api("kernelspecs", "")).status, 403, "the token is required");
    const specs = (await (await api("kernelspecs")).json()) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
    assert.deepEqual(Object.keys(specs.kernelspecs), ["bertlab"], "the option after -- reached Jupyter (only bertlab allowed)");
    assert.equal(specs.kernelspecs.bertlab.spec.argv[1], path.join(fs.realpathSync(ROOT), "dist", "kernel", "server", "main.js"));
    const contents = (await (await api("contents")).json()) as { content: Array<{ name: string }> };
    assert.deepEqual(contents.content.map((c) => c.name), ["marker.ipynb"], "Jupyter serves --notebook-dir");
    assert.ok(fs.existsSync(path.join(home, ".cache", "jupyter", "share", "jupyter", "kernels", "bertlab", "kernel.json")));
  } finally {
    lab.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))]);
    await close(blocker);
    if (code === "timeout") lab.kill("SIGKILL");
    assert.equal(code, 0, `bertlab lab ended with ${code} after SIGTERM:\n${out}`);
    fs.rmSync(home, { recursive: true, force: true });
  }
});
