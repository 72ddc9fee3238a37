// `npx bertlab doctor`: what this machine gives bertlab, each line proved by trying it — the tfjs backend, the
// inference engine, the CPU's features and one int8 forward against fp32 (its cosine), Jupyter, one head view
// rendered to PNG through Chromium, fonts for CJK and emoji, the kernelspec Jupyter finds (does it launch THIS
// install?), a cell importing bertlab compiled and run in a temp folder outside any project, the Hugging Face
// cache and offline mode. Each is ok / missing (optional, with its fallback) / broken (bertlab cannot do what
// it should) / info, with what it found and the command that fixes it. The CLI exits 1 when a line is broken.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { ready, backend_info, tf } from "../src/backend";
import { engine_info, onnx_available } from "../src/engines";
import { default_cache_dir, hf_endpoint, is_offline_mode, list_shipped_models } from "../src/hub";
import { decode_png, count_ink, to_png } from "../plots/render";
import { browser_missing_reason, chromium_executable, playwright_missing } from "../plots/render/browser";
import { head_view } from "../plots/head_view";
import { AutoTokenizer } from "../src/tokenizers";
import { BertModel } from "../src/models";
import { DEFAULT_KERNEL_NAME, jupyter_data_dir, kernel_main, list_kernelspecs, type KernelSpec } from "./kernelspec";
import { which } from "./lab";

export type CheckStatus = "ok" | "missing" | "broken" | "info";

export interface Check {
  /**
   * What is checked: backend, engine, cpu, int8, jupyter, chromium, fonts-cjk, fonts-emoji, kernelspec, import,
   * hub-cache, offline.
   */
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

/** Renders a small head view to PNG through Chromium (what head_view, model_view, neuron_view and plotly need). */
async function chromium_check(): Promise<Check> {
  const name = "chromium";
  const exe = chromium_executable();
  if (!exe) {
    return { name, status: "missing", detail: `${browser_missing_reason()}: html views (head/model/neuron view) show their static vega-lite PNG, plotly charts no PNG`, fix: "apt-get install chromium, or set BERTLAB_CHROMIUM to a Chromium binary" };
  }
  const pw = playwright_missing();
  if (pw) return { name, status: "broken", detail: `${exe} is here, but ${pw} (a dependency of bertlab): html views fall back to static PNGs`, fix: "npm install bertlab (reinstalls its dependencies), or npm install playwright-core" };
  const t0 = Date.now();
  try {
    const attn = [[[[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]], [[0.2, 0.6, 0.2], [0.5, 0.25, 0.25], [0.1, 0.1, 0.8]]]]; // [layer][head][query][key]
    const img = decode_png(await to_png(head_view(attn, ["[CLS]", "doctor", "[SEP]"]), { scale: 1 }));
    const ink = count_ink(img);
    if (ink < 200) return { name, status: "broken", detail: `${exe} rendered a head view to a ${img.width}×${img.height} PNG with almost nothing drawn (${ink} pixels)`, fix: `check that ${exe} --headless --screenshot works, or set BERTLAB_CHROMIUM to a working Chromium` };
    return { name, status: "ok", detail: `${exe}: rendered a head view to a ${img.width}×${img.height} PNG in ${Date.now() - t0} ms (html views, plotly PNGs)` };
  } catch (e) {
    return { name, status: "broken", detail: `${exe} could not render a head view: ${first_line(e)}`, fix: `check that ${exe} --headless --screenshot works, or set BERTLAB_CHROMIUM to a working Chromium` };
  }
}

function first_line(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** The CPU's SIMD features that matter to onnxruntime's int8 and fp32 kernels (Linux: /proc/cpuinfo). */
export function cpu_features(): { model: string; features: string[]; int8_class: string } {
  let flags = new Set<string>();
  try {
    const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    flags = new Set((line?.split(":")[1] ?? "").trim().split(/\s+/));
  } catch {
    // not Linux: the features stay unknown
  }
  const features = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "amx_int8"].filter((f) => flags.has(f));
  const int8_class = process.arch !== "x64" ? `${process.arch} (not x86-64)`
    : !flags.size ? "x86-64, features unknown"
    : flags.has("avx512_vnni") ? "x86-64 AVX-512 VNNI"
    : flags.has("avx512bw") ? "x86-64 AVX-512 without VNNI"
    : flags.has("avx2") ? `x86-64 AVX2${flags.has("avx_vnni") ? " with AVX-VNNI" : " without VNNI"}`
    : "x86-64 without AVX2";
  return { model: os.cpus()[0]?.model ?? "unknown CPU", features, int8_class };
}

function cpu_check(): Check {
  const c = cpu_features();
  return { name: "cpu", status: "info", detail: `${c.model}, ${os.cpus().length} cores; ${c.int8_class} (${c.features.join(" ") || "no SIMD flags read"})` };
}

/** The int8 accuracy floor bertlab promises: cosine of the int8 and fp32 outputs. */
export const INT8_COSINE_FLOOR = 0.999;

export type Int8SelfCheck = { scheme: string; cosine: number; ms: number };

/**
 * One int8 forward of the shipped mini-BERT against its fp32 forward on the ONNX engine: the quantization
 * model.quantize() chose and the cosine of the two last hidden states.
 */
export async function int8_self_check(): Promise<Int8SelfCheck> {
  const tokenizer = await AutoTokenizer.from_pretrained("bertlab/mini-bert-uncased", { local_files_only: true });
  const model = await BertModel.from_pretrained("bertlab/mini-bert-uncased", { local_files_only: true, quiet: true });
  const inputs = tokenizer(["The doctor checks one int8 forward against fp32.", "Attention heads read the words around them."], { padding: true, return_tensors: "tf" });
  model.engine = "onnx";
  const last = (): Float32Array => {
    const out = model(inputs) as unknown as { last_hidden_state: tf.Tensor };
    const data = out.last_hidden_state.dataSync() as Float32Array; // [batch, seq, hidden]
    tf.dispose(out as unknown as tf.TensorContainer);
    return data;
  };
  try {
    const fp32 = last();
    model.quantize();
    const t0 = Date.now();
    const int8 = last();
    const ms = Date.now() - t0;
    if (model.last_engine !== "onnx") throw new Error(`the int8 forward ran on '${model.last_engine}', not onnx`);
    let dot = 0, a = 0, b = 0;
    for (let i = 0; i < fp32.length; i++) {
      dot += fp32[i] * int8[i];
      a += fp32[i] * fp32[i];
      b += int8[i] * int8[i];
    }
    return { scheme: JSON.stringify(model.quantization), cosine: dot / Math.sqrt(a * b), ms };
  } finally {
    tf.dispose(inputs as unknown as tf.TensorContainer);
    model.dispose();
  }
}

async function int8_check(): Promise<Check> {
  const name = "int8";
  if (!onnx_available()) return { name, status: "missing", detail: "no onnxruntime-node: model.quantize() has no int8 engine (fp32 on tfjs only)", fix: "ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0" };
  const cls = cpu_features().int8_class;
  try {
    const r = await int8_self_check();
    const detail = `mini-bert-uncased int8 ${r.scheme} vs fp32 on ${cls}: last hidden state cosine ${r.cosine.toFixed(5)} (floor ${INT8_COSINE_FLOOR}; int8 forward ${r.ms} ms incl. quantizing)`;
    return r.cosine >= INT8_COSINE_FLOOR
      ? { name, status: "ok", detail }
      : { name, status: "broken", detail: `${detail}: int8 is less accurate on this CPU than bertlab promises`, fix: "keep fp32 on this CPU (do not call model.quantize()), or update to a bertlab whose int8 scheme fits it: npm install bertlab@latest" };
  } catch (e) {
    return { name, status: "broken", detail: `the int8 forward failed: ${first_line(e)}`, fix: "npx bertlab doctor --json for details; reinstall: npm install bertlab" };
  }
}

function font_check(name: string, what: string, pattern: RegExp, pkg: string): Check {
  const files = find_fonts(pattern);
  return files.length
    ? { name, status: "ok", detail: `${path.basename(files[0])}${files.length > 1 ? ` (+${files.length - 1} more)` : ""}` }
    : { name, status: "missing", detail: `no ${what} font: such characters may draw as boxes in PNG/SVG`, fix: `apt-get install ${pkg}, or list font files in BERTLAB_FONT_FILES (colon-separated)` };
}

/** The bertlab kernelspec Jupyter finds: `jupyter kernelspec list --json` when Jupyter is here, else Jupyter's search path. */
function found_kernelspec(): { dir: string; spec: KernelSpec; by: string } | null {
  const jupyter = which("jupyter");
  if (jupyter) {
    const r = spawnSync(jupyter, ["kernelspec", "list", "--json"], { encoding: "utf8", timeout: 30_000 });
    try {
      const k = JSON.parse(r.stdout).kernelspecs?.[DEFAULT_KERNEL_NAME];
      return k ? { dir: k.resource_dir, spec: k.spec, by: "jupyter kernelspec list" } : null;
    } catch {
      // an old or broken jupyter: read the folders ourselves
    }
  }
  const k = list_kernelspecs().find((s) => s.name === DEFAULT_KERNEL_NAME);
  return k ? { dir: k.dir, spec: k.spec, by: "Jupyter's data folders" } : null;
}

/** This install's package root (the folder holding dist/kernel/server/main.js). */
function own_root(): string {
  return path.resolve(path.dirname(kernel_main()), "..", "..", "..");
}

/** The command that (re)installs this install's kernelspec where `dir` (…/share/jupyter/kernels/<name>) is. */
function reinstall_command(dir?: string): string {
  const cli = path.join(own_root(), "dist", "kernel", "cli.js");
  const where = !dir || path.resolve(dir, "..", "..") === jupyter_data_dir() ? "--user"
    : path.basename(path.resolve(dir, "..", "..", "..")) === "share" ? `--prefix ${path.resolve(dir, "..", "..", "..", "..")}` : "--user";
  return `node ${cli} kernel install ${where}`;
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Does the kernelspec Jupyter finds launch this install? */
function kernelspec_check(): Check {
  const name = "kernelspec";
  const k = found_kernelspec();
  if (!k) return { name, status: "missing", detail: `no '${DEFAULT_KERNEL_NAME}' kernelspec on Jupyter's path (notebooks run headless with npx bertlab run)`, fix: reinstall_command() };
  const [node, script] = k.spec.argv ?? [];
  const root = real(own_root());
  const launches = script ? real(script) : "(no script in argv)";
  const fix = reinstall_command(k.dir);
  if (!node || !fs.existsSync(node)) return { name, status: "broken", detail: `${k.dir} starts ${node ?? "nothing"}, which does not exist`, fix };
  if (!script || !fs.existsSync(script)) return { name, status: "broken", detail: `${k.dir} launches ${script ?? "nothing"}, which does not exist (a removed or moved install)`, fix };
  if (!launches.startsWith(path.join(root, "dist") + path.sep)) {
    return { name, status: "broken", detail: `${k.dir} (found by ${k.by}) launches ${launches}, another install: notebooks on the bertlab kernel run that one, not this one (${root})`, fix };
  }
  return { name, status: "ok", detail: `${k.dir} launches this install (${launches})` };
}

/** Compiles and runs a cell importing bertlab in a fresh temp folder outside any project, in a kernel of this install. */
function import_check(): Check {
  const name = "import";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-doctor-cell-"));
  try {
    const above = [];
    for (let d = path.dirname(dir); ; d = path.dirname(d)) {
      for (const f of ["package.json", "node_modules"]) if (fs.existsSync(path.join(d, f))) above.push(path.join(d, f));
      if (path.dirname(d) === d) break;
    }
    const executor = path.join(own_root(), "dist", "kernel", "ts", "executor.js");
    const cell = `import { list_shipped_models } from "bertlab";\nconst n: number = list_shipped_models().length;\nconsole.log("shipped models:", n);`;
    const script = `const { TsExecutor } = require(${JSON.stringify(executor)});
new TsExecutor({ cwd: process.cwd() }).execute(${JSON.stringify(cell)}, 1).then((r) => { process.stdout.write("\\n@@" + JSON.stringify(r) + "\\n"); process.exit(0); });`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8", timeout: 120_000 });
    const outcome = /\n@@(.*)\n/.exec(r.stdout ?? "")?.[1];
    const result = outcome ? JSON.parse(outcome) as { status: string; ename?: string; evalue?: string } : null;
    const where = `in ${dir}${above.length ? ` (note: ${above.join(", ")} above it)` : " (no package.json or node_modules above it)"}`;
    if (result?.status === "ok" && /shipped models: \d+/.test(r.stdout)) return { name, status: "ok", detail: `a cell importing bertlab compiled (type-checked) and ran ${where}` };
    const why = result ? `${result.ename}: ${first_line(result.evalue)}` : `the kernel process ended (${r.status ?? r.signal}): ${first_line(r.stderr || r.error?.message || "no output")}`;
    return { name, status: "broken", detail: `a cell importing bertlab failed ${where}: ${why}`, fix: "npm run build (in a checkout), or reinstall: npm install bertlab" };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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

/** Runs every check (loads the tfjs backend, runs an int8 forward, renders a PNG, compiles a cell: seconds). */
export async function doctor(): Promise<Check[]> {
  return [
    await backend_check(),
    engine_check(),
    cpu_check(),
    await int8_check(),
    jupyter_check(),
    await chromium_check(),
    font_check("fonts-cjk", "CJK (Chinese, Japanese, Korean)", /^Noto(Sans|Serif)CJK.*\.(ttc|otf|ttf)$|^NotoSans(SC|TC|JP|KR)-.*\.(otf|ttf)$|^(wqy|WenQuanYi|DroidSansFallback|SourceHan).*\.(ttc|otf|ttf)$/i, "fonts-noto-cjk"),
    font_check("fonts-emoji", "emoji", /^(NotoColorEmoji|NotoEmoji|Twemoji|OpenMoji|Symbola).*\.(ttf|otf)$/i, "fonts-noto-color-emoji"),
    kernelspec_check(),
    import_check(),
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
  const broken = checks.filter((c) => c.status === "broken").length;
  if (broken) lines.push(`${broken} broken: bertlab cannot do what ${broken === 1 ? "that line says" : "those lines say"}; run the fix${broken === 1 ? "" : "es"} above.`);
  if (missing) lines.push(`${missing} missing; bertlab works without them, with the fallbacks said above.`);
  if (!broken && !missing) lines.push("Everything bertlab can use is here, and works.");
  return lines.join("\n");
}
