// The documented fallback when Chromium cannot be driven — Chromium present but playwright-core absent (an install
// that lacks it): html views (head_view) still display, with their static vega-lite twin's PNG beside the
// interactive HTML, and to_png_or_static says it drew the static twin; nothing crashes. Run in a child process
// whose require of playwright-core fails (test/helpers/hide_modules.cjs), Chromium "found" at process.execPath.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const ROOT = path.join(__dirname, "..");

test("playwright-core missing: head_view's bundle carries the static PNG and to_png_or_static draws the twin", { timeout: 120_000 }, () => {
  const script = `
const { chart_bundle, chromium_path, to_png_or_static, decode_png, count_ink } = require(${JSON.stringify(path.join(ROOT, "dist", "plots", "render"))});
const { head_view } = require(${JSON.stringify(path.join(ROOT, "dist", "plots", "head_view"))});
const { browser_missing_reason } = require(${JSON.stringify(path.join(ROOT, "dist", "plots", "render", "browser"))});
(async () => {
  const chart = head_view([[[[0.7, 0.3], [0.4, 0.6]]]], ["[CLS]", "hi"]);
  const bundle = await chart_bundle(chart);
  const r = await to_png_or_static(chart);
  const img = decode_png(r.png);
  console.log(JSON.stringify({ path: chromium_path(), reason: browser_missing_reason(), keys: Object.keys(bundle).sort(), rendered: r.rendered, ink: count_ink(img) }));
})().catch((e) => { console.error("CRASH " + e.stack); process.exit(3); });`;
  const r = spawnSync(process.execPath, ["--require", path.join(__dirname, "helpers", "hide_modules.cjs"), "-e", script], {
    encoding: "utf8", timeout: 110_000, env: { ...process.env, BERTLAB_CHROMIUM: process.execPath, BERTLAB_TEST_HIDE_MODULES: "playwright-core" },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(out.path, null);
  assert.match(out.reason, /^playwright-core does not load \(Cannot find module 'playwright-core'.*\), which drives Chromium\. Reinstall bertlab's dependencies/);
  assert.deepEqual(out.keys, ["image/png", "image/svg+xml", "text/html", "text/plain"]);
  assert.equal(out.rendered, "static");
  assert.ok(out.ink > 100, `static twin drawn (${out.ink} ink pixels)`);
});
