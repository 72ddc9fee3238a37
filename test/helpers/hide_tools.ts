// Preloaded into every test process by `npm test` (`--import ./test/helpers/hide_tools.ts`), node builtins only:
// BERTLAB_TEST_WITHOUT=chromium points BERTLAB_CHROMIUM at a missing file, so every test file — also those
// that ask plots/render's chromium_path() directly — and every kernel they start see no browser.
// (Jupyter is hidden by tools.ts, through which every Jupyter test detects it.)
// The int8 graph cache (src/engines/onnx/graph_cache.ts) goes to a temporary folder unless BERTLAB_INT8_CACHE
// is set, never to ~/.cache: made by the first process that loads this file (node --test's runner; the test
// files and what they spawn inherit it) and removed by that process when it exits.
// Kernels started by tests do not use or build the startup snapshot (kernel/ts/snapshot.ts) unless a test asks
// for it (test/kernel_snapshot.test.ts sets BERTLAB_SNAPSHOT=1 and its own folder): every kernel then starts the
// same way, and no detached builder runs beside the tests or writes into ~/.cache.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const hidden = (process.env.BERTLAB_TEST_WITHOUT ?? "").split(",").map((s) => s.trim().toLowerCase());
if (hidden.includes("chromium")) process.env.BERTLAB_CHROMIUM = "/nonexistent/chromium-hidden-by-BERTLAB_TEST_WITHOUT";

// Every temporary file of a test run (the tests' own folders, kernels' connection files, Jupyter's and Chromium's
// profiles) goes under one fresh folder of the system temp folder, removed when the run ends, so `npm test`
// leaves nothing there even where a test is killed before its own cleanup. The tests that check bertlab leaves
// nothing in the temp folder (test/engines_quantize_tempdir.test.ts) give their child processes a fresh TMPDIR.
if (!process.env.BERTLAB_TEST_TMPDIR) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-test-run-"));
  process.env.BERTLAB_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
  process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
}

if (!process.env.BERTLAB_INT8_CACHE) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-test-int8-cache-"));
  process.env.BERTLAB_INT8_CACHE = dir;
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
}

if (process.env.BERTLAB_SNAPSHOT === undefined) process.env.BERTLAB_SNAPSHOT = "0";
