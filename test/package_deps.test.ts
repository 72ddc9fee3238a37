// The packed package is complete: every module its JavaScript requires at run time (require, require.resolve,
// import(), and the browser builds it reads out of node_modules) and every module its .d.ts import is a Node
// builtin or declared in dependencies / optionalDependencies / peerDependencies — never a devDependency, which a
// user's `npm install bertlab` does not install. The files checked are the ones `npm pack` packs (its own file
// list). The few exceptions are listed with the guard that keeps them from running in an install, and the test
// checks the guard is still there. And `prepack` builds: a copy of the checkout without dist/ packs dist/.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { builtinModules } from "node:module";
import { spawnSync } from "node:child_process";
import { which } from "../kernel/lab";

const ROOT = path.join(__dirname, "..");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const npm = which("npm");
const skip = npm ? false : "skipped: npm not on PATH — it comes with Node.js (https://nodejs.org)";

/** Run-time specifiers of a .js file, or type-level ones of a .d.ts. */
export function specifiers(file: string, text: string): string[] {
  const patterns = file.endsWith(".d.ts")
    ? [/\bfrom\s+["']([^"']+)["']/g, /\bimport\(\s*["']([^"']+)["']\s*\)/g, /\bimport\s+["']([^"']+)["']/g, /declare module ["']([^"']+)["']/g, /<reference types="([^"]+)"/g]
    : [/\brequire(?:\.resolve)?\(\s*["']([^"']+)["']/g, /\bimport\(\s*["']([^"']+)["']\s*\)/g,
      // files read out of a package folder (the inlined vega / plotly browser builds)
      /["']((?:@[\w.-]+\/)?[\w.-]+\/(?:build|dist)\/[\w./-]+\.js)["']/g];
  // a .d.ts's doc comments may quote code (`export * from "m"`): only its declarations (and /// directives) count
  if (file.endsWith(".d.ts")) text = text.replace(/\/\*[\s\S]*?\*\//g, "");
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

/** The package a bare specifier names ("@scope/name/sub" → "@scope/name"), or null for relative / absolute / builtin ones. */
export function package_of(spec: string): string | null {
  if (spec.startsWith(".") || path.isAbsolute(spec) || spec.startsWith("node:")) return null;
  const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
  return builtinModules.includes(name) ? null : name;
}

const DECLARED = new Set(Object.keys({ ...PKG.dependencies, ...PKG.optionalDependencies, ...PKG.peerDependencies }));

/** The declared dependency (of `kinds`) that itself depends on `name` — npm installs `name` with it — or null. */
function via(name: string, kinds: string[]): string | null {
  for (const dep of kinds.flatMap((k) => Object.keys(PKG[k] ?? {}))) {
    const file = path.join(ROOT, "node_modules", dep, "package.json");
    if (fs.existsSync(file) && JSON.parse(fs.readFileSync(file, "utf8")).dependencies?.[name]) return dep;
  }
  return null;
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Requires of undeclared packages that never run in an install, each with the guard that ensures it. */
const GUARDED: Array<{ pkg: string; file: string; guard: RegExp; why: string }> = [
  { pkg: "tsx", file: "dist/src/engines/sync/bridge.js", guard: /if \(workerData\.entry\.endsWith\("\.ts"\)\) require\(require\.resolve\("tsx\/cjs"/, why: "only when the library runs from its TypeScript sources (the tests); dist runs .js" },
];

/** Undeclared packages used by `files` ({ path: text }): "file: package (specifier)" lines. */
export function undeclared(files: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    for (const spec of specifiers(file, text)) {
      const pkg = package_of(spec);
      if (!pkg || pkg === PKG.name || DECLARED.has(pkg)) continue;
      // .d.ts: a peer's own dependency (tfjs-core of @tensorflow/tfjs), installed with it at the version it pins
      if (file.endsWith(".d.ts") && via(pkg, ["peerDependencies"])) continue;
      // js: a dependency's own dependency, resolved from that dependency's folder (tslab's TypeScript)
      if (new RegExp(`require\\.resolve\\(\\s*["']${esc(spec)}["']\\s*,\\s*\\{\\s*paths:`).test(text) && via(pkg, ["dependencies"])) continue;
      if (GUARDED.some((g) => g.pkg === pkg && g.file === file && g.guard.test(text))) continue;
      out.push(`${file}: ${pkg} (${spec})`);
    }
  }
  return out;
}

function packed_files(): string[] {
  const r = spawnSync(npm!, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout)[0].files as Array<{ path: string }>).map((f) => f.path);
}

test("the checker flags a devDependency required at run time, and a guard that was removed", () => {
  assert.deepEqual(undeclared({ "dist/src/x.js": `const fc = require("fast-check");\nconst v = require("vega-lite");\nconst fs = require("node:fs");` }), ["dist/src/x.js: fast-check (fast-check)"]);
  assert.deepEqual(undeclared({ "dist/src/x.d.ts": `import type { Arbitrary } from "fast-check/lib/types";\nimport type { Rank } from "@tensorflow/tfjs-core/dist/types";` }), ["dist/src/x.d.ts: fast-check (fast-check/lib/types)"]);
  assert.deepEqual(undeclared({ "dist/src/engines/sync/bridge.js": `require(require.resolve("tsx/cjs"));` }), ["dist/src/engines/sync/bridge.js: tsx (tsx/cjs)"]);
  // a doc comment quoting an import is not one; the declaration after it still counts
  assert.deepEqual(undeclared({ "dist/src/x.d.ts": `/** Brings what \`export * from "m"\` exports. */\nimport type { Arbitrary } from "fast-check";` }), ["dist/src/x.d.ts: fast-check (fast-check)"]);
  // tslab's TypeScript is fine resolved from tslab's folder, not from bertlab's
  assert.deepEqual(undeclared({ "dist/kernel/ts/x.js": `require.resolve("@tslab/typescript-for-tslab", { paths: [tslab_dir] });` }), []);
  assert.deepEqual(undeclared({ "dist/kernel/ts/x.js": `require("@tslab/typescript-for-tslab");` }), ["dist/kernel/ts/x.js: @tslab/typescript-for-tslab (@tslab/typescript-for-tslab)"]);
  assert.deepEqual(undeclared({ "dist/plots/render/html.js": `const F = { x: ["typedoc/dist/lib.js"] };` }), ["dist/plots/render/html.js: typedoc (typedoc/dist/lib.js)"]);
});

test("every package the packed dist/ requires or imports is a builtin or a declared (optional / peer) dependency", { skip, timeout: 180_000 }, () => {
  const files = packed_files();
  const code = files.filter((f) => (f.startsWith("dist/") && /\.(c?js|d\.ts)$/.test(f)) || /\.cjs$/.test(f)); // + kernel/preinstall.cjs
  assert.ok(code.includes("kernel/preinstall.cjs"));
  assert.ok(code.includes("dist/src/index.js") && code.includes("dist/kernel/server/main.js") && code.includes("dist/plots/render/browser.js"), "dist/ is packed (run `npm run build`)");
  assert.ok(!files.some((f) => f.startsWith("dist/bench/")), "the benchmarks (which need the repo's test fixtures and devDependencies) are not packed");
  const texts = Object.fromEntries(code.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));
  assert.deepEqual(undeclared(texts), [], "packed code requires packages a user's install does not have");
  // what the checker saw: the run-time dependencies it must see (a silent regex would pass everything)
  const seen = new Set(Object.entries(texts).flatMap(([f, t]) => specifiers(f, t).map(package_of)));
  for (const pkg of ["playwright-core", "onnxruntime-node", "zeromq", "tslab", "vega-lite", "plotly.js", "@tensorflow/tfjs"]) assert.ok(seen.has(pkg), `${pkg} found in dist/`);
  for (const g of GUARDED) assert.match(texts[g.file] ?? "", g.guard, `${g.file}: the guard that keeps ${g.pkg} (${g.why}) from running`);
});

test("`prepack` builds: a checkout without dist/ packs dist/ (git clone + npm pack)", { skip, timeout: 300_000 }, () => {
  assert.match(PKG.scripts.prepack ?? "", /npm run build/);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-prepack-"));
  try {
    // the checkout as a clone has it: tracked and unignored files, no dist/ (node_modules linked, as `npm ci` would give)
    const listed = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(listed.status, 0, listed.stderr);
    for (const f of listed.stdout.split("\0").filter(Boolean)) {
      if (!fs.existsSync(path.join(ROOT, f)) || f.startsWith("dist/")) continue;
      fs.mkdirSync(path.dirname(path.join(home, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(home, f));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(home, "node_modules"), "dir");
    assert.ok(!fs.existsSync(path.join(home, "dist")));
    const r = spawnSync(npm!, ["pack", "--dry-run", "--json"], { cwd: home, encoding: "utf8", timeout: 280_000 });
    assert.equal(r.status, 0, r.stderr);
    const packed = (JSON.parse(r.stdout.slice(r.stdout.indexOf("[")))[0].files as Array<{ path: string }>).map((f) => f.path);
    for (const f of ["dist/src/index.js", "dist/src/index.d.ts", "dist/kernel/cli.js", "dist/kernel/server/main.js"]) assert.ok(packed.includes(f), `${f} packed`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
