// Jupyter's own kernel test suite (Debian python3-jupyter-kernel-test: jupyter_kernel_test.KernelTests) against
// bertlab's kernel installed from its kernelspec in a temporary prefix, with the bertlab samples of
// test/kernel/test_bertlab_kernel.py for every message type the suite checks. Every test of the suite must run
// and pass (none skipped). Skipped, with the reason, when /usr/bin/python3 or jupyter_kernel_test is missing
// (.ci/run installs python3-jupyter-kernel-test). Needs `npm run build` (the kernel runs from dist/).
import { test } from "node:test";
import { skip_unless } from "./helpers/tools";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { install_kernelspec } from "../kernel/kernelspec";

const ROOT = path.join(__dirname, "..");
const PY = "/usr/bin/python3";
const SUITE = path.join(__dirname, "kernel", "test_bertlab_kernel.py");

const skip = skip_unless("jupyter_kernel_test"); // test/helpers/tools.ts (BERTLAB_TEST_WITHOUT=jupyter hides it)

test("jupyter_kernel_test's KernelTests pass in full against the installed bertlab kernelspec", { skip, timeout: 600_000 }, async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-suite-"));
  const prefix = path.join(home, "prefix");
  install_kernelspec({ prefix, name: "bertlab-suite", engine: "bertlab" });
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_DATA_DIR: path.join(home, "data"),
    JUPYTER_CONFIG_DIR: path.join(home, "config"),
    JUPYTER_RUNTIME_DIR: path.join(home, "runtime"),
    BERTLAB_SUITE_KERNEL: "bertlab-suite",
    BERTLAB_HISTORY_FILE: path.join(home, "history.jsonl"),
  };
  const child = spawn(PY, [SUITE, "-v"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((res) => child.on("exit", res));
  assert.equal(code, 0, out);
  const ran = /Ran (\d+) tests?/.exec(out);
  assert.ok(ran && Number(ran[1]) >= 12, `the suite ran ${ran?.[1]} tests:\n${out}`);
  assert.match(out, /\nOK\s*$/, out);
  assert.doesNotMatch(out, /skipped/i, `no test of the suite may be skipped:\n${out}`);
  for (const t of ["test_completion", "test_display_data", "test_error", "test_execute_result", "test_execute_stderr", "test_execute_stdout",
    "test_history", "test_inspect", "test_is_complete", "test_kernel_info", "test_pager", "test_clear_output"]) {
    assert.match(out, new RegExp(`${t} \\(`), `${t} ran`);
  }
  // history was kept on disk: an input record per executed cell, an output record per value
  const lines = fs.readFileSync(env.BERTLAB_HISTORY_FILE, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const six = lines.find((e) => e.input === "6 * 7");
  assert.ok(six, "6 * 7 is in the history file");
  assert.ok(lines.some((e) => e.session === six.session && e.line === six.line && e.output === "42"), "and its output 42");
});
