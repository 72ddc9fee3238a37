// `npx bertlab doctor`: what this machine gives bertlab — tfjs backend, inference engine, Jupyter, Chromium,
// fonts for CJK and emoji, the kernelspec, the Hugging Face cache and offline mode — each marked ok / missing
// (or info) with what it found and, when something is missing, the command that fixes it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ready, backend_info } from "../src/backend";
import { engine_info } from "../src/engines";
import { default_cache_dir, hf_endpoint, is_offline_mode, list_shipped_models } from "../src/hub";
import { chromium_path } from "../plots/render";
import { DEFAULT_KERNEL_NAME, list_kernelspecs } from "./kernelspec";
import { which } from "./lab";

export type CheckStatus = "ok" | "missing" | "info";

export interface Check {
  /** What is checked: backend, engine, jupyter, chromium, fonts-cjk, fonts-emoji, kernelspec, hub-cache, offline. */
  name: string;
  status: CheckStatus;
  /** What was found (or not). */
  detail: string;
  /** How to fix it (or to get more), when there is something to do. */
  fix?: string;
}

const FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", path.join(os.homedir(), ".fonts"), path.join(os.homedir(), ".local", "share", "fonts")];

/** Font files (under the usual font folders, and BERTLAB_FONT_FILES) whose name matches `pattern`. */
export function find_fonts(pattern: RegExp, dirs: string[] = FONT_DIRS): string[] {
  const out = (process.env.BERTLAB_FONT_FILES ?? "").split(":").filter((f) => f && pattern.test(path.basename(f)) && fs.existsSync(f));
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && depth < 6) walk(full, depth + 1);
      else if (pattern.test(e.name)) out.push(full);
    }
  };
  dirs.forEach((d) => walk(d, 0));
  return out;
}

function backend_check(): Promise<Check> {
  return ready().then(
    () => {
      const b = backend_info()!;
      return {
        name: "backend", status: "ok" as const, detail: `tfjs ${b.name} — ${b.reason}`,
        fix: b.name === "node" ? undefined : "optional, faster training: npm install @tensorflow/tfjs-node (downloads libtensorflow; bertlab then picks it)",
      };
    },
    (e: unknown) => ({ name: "backend", status: "missing" as const, detail: e instanceof Error ? e.message : String(e), fix: "unset BERTLAB_BACKEND, or reinstall: npm install bertlab" }),
  );
}

/** How many of onnxruntime-node's GPU provider files are kernel/preinstall.cjs's placeholders (0 when none or not found). */
export function gpu_provider_placeholders(): number {
  let bin: string;
  try {
    bin = path.join(path.dirname(require.resolve("onnxruntime-node")), "..", "bin", "napi-v6", process.platform, process.arch);
  } catch {
    return 0;
  }
  if (!fs.existsSync(bin)) return 0;
  return fs.readdirSync(bin).filter((f) => /^libonnxruntime_providers_.*\.so$/.test(f) && fs.statSync(path.join(bin, f)).size < 1024
    && fs.readFileSync(path.join(bin, f), "utf8").startsWith("bertlab: placeholder")).length;
}

function engine_check(): Check {
  const e = engine_info();
  if (e.onnxruntime_node) {
    const gpu = gpu_provider_placeholders();
    const note = gpu ? `; CPU only: its GPU provider libraries were not downloaded (bertlab's preinstall left ${gpu} placeholder(s); for CUDA: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node)` : "";
    return { name: "engine", status: "ok", detail: `onnx (onnxruntime-node ${e.onnxruntime_version}) for eval-mode inference; default engine '${e.default_engine}' (${e.default_from})${note}` };
  }
  return {
    name: "engine", status: "missing",
    detail: `onnxruntime-node does not load (${(e.reason ?? "unknown reason").split("\n")[0]}); inference runs on tfjs`,
    fix: "ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0 — npm drops it when its postinstall (an " +
      "optional CUDA download) fails offline; its CPU binaries ship in the package (bertlab's preinstall normally prevents this)",
  };
}

function jupyter_check(): Check {
  const found = ["jupyter-lab", "jupyter-notebook", "jupyter"].map((n) => which(n)).find((p) => p !== null);
  return found
    ? { name: "jupyter", status: "ok", detail: found }
    : { name: "jupyter", status: "missing", detail: "no jupyter-lab, jupyter-notebook or jupyter on PATH (npx bertlab run still works headless)", fix: "pip install jupyterlab, or apt-get install jupyter-notebook" };
}

function chromium_check(): Check {
  const exe = chromium_path();
  return exe
    ? { name: "chromium", status: "ok", detail: `${exe} (plotly PNGs, head-view PNGs)` }
    : { name: "chromium", status: "missing", detail: "no headless Chromium: plotly charts and the head view carry no PNG fallback", fix: "apt-get install chromium, or set BERTLAB_CHROMIUM to a Chromium binary" };
}

function font_check(name: string, what: string, pattern: RegExp, pkg: string): Check {
  const files = find_fonts(pattern);
  return files.length
    ? { name, status: "ok", detail: `${path.basename(files[0])}${files.length > 1 ? ` (+${files.length - 1} more)` : ""}` }
    : { name, status: "missing", detail: `no ${what} font: such characters may draw as boxes in PNG/SVG`, fix: `apt-get install ${pkg}, or list font files in BERTLAB_FONT_FILES (colon-separated)` };
}

function kernelspec_check(): Check {
  const k = list_kernelspecs().find((s) => s.name === DEFAULT_KERNEL_NAME);
  return k
    ? { name: "kernelspec", status: "ok", detail: `${k.name} in ${k.dir}` }
    : { name: "kernelspec", status: "missing", detail: `no '${DEFAULT_KERNEL_NAME}' kernelspec on Jupyter's path`, fix: "npx bertlab kernel install" };
}

function cache_check(): Check {
  const dir = default_cache_dir();
  let probe = dir;
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  let writable = true;
  try {
    fs.accessSync(probe, fs.constants.W_OK);
  } catch {
    writable = false;
  }
  const models = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => d.startsWith("models--")).length : 0;
  const detail = `${dir} (${fs.existsSync(dir) ? `${models} model${models === 1 ? "" : "s"} cached` : "not created yet"})`;
  return writable
    ? { name: "hub-cache", status: "ok", detail }
    : { name: "hub-cache", status: "missing", detail: `${detail}, not writable`, fix: "set HF_HOME or HF_HUB_CACHE to a writable folder" };
}

function offline_check(): Check {
  const shipped = list_shipped_models().map((m) => m.id);
  const models = `shipped models: ${shipped.length ? shipped.join(", ") : "none found"}`;
  return is_offline_mode()
    ? { name: "offline", status: "info", detail: `on (HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE): no downloads; local folders, the cache and ${models}`, fix: "unset HF_HUB_OFFLINE to download from the hub" }
    : { name: "offline", status: "info", detail: `off: ids missing from the cache download from ${hf_endpoint()}; ${models}`, fix: "HF_HUB_OFFLINE=1 to never touch the network" };
}

/** Runs every check (loads the tfjs backend and probes onnxruntime-node). */
export async function doctor(): Promise<Check[]> {
  return [
    await backend_check(),
    engine_check(),
    jupyter_check(),
    chromium_check(),
    font_check("fonts-cjk", "CJK (Chinese, Japanese, Korean)", /^Noto(Sans|Serif)CJK.*\.(ttc|otf|ttf)$|^NotoSans(SC|TC|JP|KR)-.*\.(otf|ttf)$|^(wqy|WenQuanYi|DroidSansFallback|SourceHan).*\.(ttc|otf|ttf)$/i, "fonts-noto-cjk"),
    font_check("fonts-emoji", "emoji", /^(NotoColorEmoji|NotoEmoji|Twemoji|OpenMoji|Symbola).*\.(ttf|otf)$/i, "fonts-noto-color-emoji"),
    kernelspec_check(),
    cache_check(),
    offline_check(),
  ];
}

/** One line per check: status, name, what was found, and `→ fix` on the next line when there is one. */
export function format_checks(checks: Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.status.padEnd(8)}${c.name.padEnd(12)}${c.detail}`);
    if (c.fix && c.status !== "ok") lines.push(`${"".padEnd(20)}→ ${c.fix}`);
    else if (c.fix) lines.push(`${"".padEnd(20)}(${c.fix})`);
  }
  const missing = checks.filter((c) => c.status === "missing").length;
  lines.push(missing ? `${missing} missing; bertlab works without them, with the fallbacks said above.` : "Everything bertlab can use is here.");
  return lines.join("\n");
}
