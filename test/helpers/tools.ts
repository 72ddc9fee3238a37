// The optional system tools some tests use (a headless Chromium, Debian's Jupyter), found in one place.
// A test that needs one is skipped when it is missing, with a message saying what is missing and how to
// install it: `test("...", { skip: skip_unless("chromium") }, ...)`. `npm test` therefore passes on a
// fresh machine without them, and runs everything where `.ci/run` has installed them.
// BERTLAB_TEST_WITHOUT=chromium,jupyter hides tools to simulate such a machine (hiding Chromium also
// points BERTLAB_CHROMIUM at a missing path, so bertlab's own code — and kernels the tests start —
// see no browser either).
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import "./hide_tools";
import { chromium_path } from "../../plots/render";

/** Debian's Python, which has Debian's Jupyter modules (not a pyenv `python3` on PATH). */
export const PY = "/usr/bin/python3";

export type Tool = "chromium" | "nbconvert" | "notebook" | "nbformat" | "jupyter_kernel_test";

const INSTALL: Record<Tool, string> = {
  chromium: "apt-get install chromium (or set BERTLAB_CHROMIUM to a Chromium binary)",
  nbconvert: "apt-get install jupyter-nbconvert",
  notebook: "apt-get install jupyter-notebook",
  nbformat: "apt-get install python3-nbformat",
  jupyter_kernel_test: "apt-get install python3-jupyter-kernel-test",
};

/** The tool groups BERTLAB_TEST_WITHOUT hides: "chromium", "jupyter" (every Python Jupyter module), or a tool name. */
function hidden_tools(env: NodeJS.ProcessEnv = process.env): Set<Tool> {
  const out = new Set<Tool>();
  for (const w of (env.BERTLAB_TEST_WITHOUT ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (w === "jupyter") (["nbconvert", "notebook", "nbformat", "jupyter_kernel_test"] as Tool[]).forEach((t) => out.add(t));
    else if (w in INSTALL) out.add(w as Tool);
    else throw new Error(`BERTLAB_TEST_WITHOUT: unknown tool '${w}' (expected chromium, jupyter, ${Object.keys(INSTALL).join(", ")})`);
  }
  return out;
}

const HIDDEN = hidden_tools(); // (hide_tools.ts has already pointed BERTLAB_CHROMIUM away when chromium is hidden)

const found = new Map<Tool, boolean>();

function python_has(module: string): boolean {
  return fs.existsSync(PY) && spawnSync(PY, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0;
}

/** Whether `tool` is usable here (and not hidden by BERTLAB_TEST_WITHOUT). */
export function has_tool(tool: Tool): boolean {
  if (HIDDEN.has(tool)) return false;
  if (!found.has(tool)) found.set(tool, tool === "chromium" ? chromium_path() !== null : python_has(tool));
  return found.get(tool)!;
}

/** Why `tool` is not usable and how to get it. */
export function missing_reason(tool: Tool): string {
  const what = tool === "chromium" ? "chromium not found (/usr/bin/chromium or BERTLAB_CHROMIUM)" : `${PY} cannot import ${tool}`;
  const why = HIDDEN.has(tool) ? `${tool} hidden by BERTLAB_TEST_WITHOUT=${process.env.BERTLAB_TEST_WITHOUT}` : what;
  return `skipped: ${why} — ${INSTALL[tool]}`;
}

/** For node:test's `skip` option: false when every tool is usable, else the first missing one's reason. */
export function skip_unless(...tools: Tool[]): string | false {
  const missing = tools.find((t) => !has_tool(t));
  return missing ? missing_reason(missing) : false;
}
