// `npm run bench`: BERT forward (onnx, tfjs-wasm, tfjs-node), a mini-BERT training step, tokenizer
// throughput, cold load + peak RSS and a 1,000-forward leak check, against a PyTorch peer when one
// can run. Prints a table and writes bench/results/<timestamp>.json. Never part of `npm test`.
//   node dist/bench/run.js [--quick] [--only forward,train,tokenizer,load,leak,profile] [--reps N]
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { ready, backend_info } from "../src/backend";
import { enable_wasm_threads, onnx_available, wasm_threads_status } from "../src/engines";
import { writeSafetensors } from "../src/hub/safetensors";
import { writeFileAtomicSync } from "../src/utils/fs";
import { ablation } from "./ablation";
import { interleavedForward, perCoreForward } from "./interleaved";
import { interleavedTrain } from "./interleaved_train";
import { trainStepProfile } from "./train_profile";
import { forwardProfile } from "./forward_profile";
import { evaluateGoals, printGoals, readShippedEval, type BenchRun } from "./goals";
import { WARM_CELLS, WARM_PAUSE_MS, kernel_cold_start } from "./kernel";
import { BenchRow, median } from "./common";
import { runPeer, PeerJob, PeerResult } from "./peer";
import { BERT_BASE, MINI_BERT, randomBertWeights, weightBytes } from "./random_bert";
import { leakCheck, onnxForwardCpu, onnxLeakCheck, onnxForward, tfjsModelForward, tfjsOpsForward, tfjsTrainStep } from "./workloads";

const SECTIONS = ["alternating", "forward_profile", "train_alternating", "train_profile", "forward", "train", "tokenizer", "load", "leak", "profile", "ablation", "kernel", "int8_cache", "datasets"] as const;
const RANDOM_NOTE = "random-initialised weights of the real bert-base shapes";
const TORCH = "pytorch 2 threads";

interface Args {
  quick: boolean;
  only: Set<string>;
  reps: number;
  rounds: number;
  threads: number;
}

const loadavg = (): string => fs.readFileSync("/proc/loadavg", "utf8").trim().split(" ").slice(0, 3).join(" ");

function parseArgs(): Args {
  const p = new Command()
    .option("--quick", "fewer repetitions, skip batch 8")
    .option("--only <sections>", `comma list of ${SECTIONS.join(", ")}`)
    .option("--reps <n>", "timed repetitions for batch-1 workloads", "5")
    .option("--rounds <n>", "alternating rounds of the 'alternating' and 'kernel' sections", "5")
    .option("--wasm-threads <n>", "threads for tfjs-wasm (2+ uses the Node threads shim, src/engines/wasm_threads.ts)", "1")
    .parse(process.argv);
  const o = p.opts<{ quick?: boolean; only?: string; reps: string; rounds: string; wasmThreads: string }>();
  const only = new Set((o.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim()));
  for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section '${s}'; expected ${SECTIONS.join(", ")}`);
  return { quick: !!o.quick, only, reps: Math.max(1, Number(o.reps) || 5), rounds: Math.max(1, Number(o.rounds) || 5), threads: Math.max(1, Number(o.wasmThreads) || 1) };
}

function row(r: Omit<BenchRow, "ratio" | "peer"> & { peer_ms?: number | null; peer?: string | null }): BenchRow {
  const { peer_ms, ...rest } = r;
  const ratio = r.median_ms != null && peer_ms ? r.median_ms / peer_ms : null;
  return { ...rest, ratio, peer: peer_ms ? r.peer ?? TORCH : peer_ms === undefined ? null : `${r.peer ?? TORCH} (missing)` };
}

const sign = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;

function printTable(rows: BenchRow[]): void {
  const head = ["engine", "workload", "shape", "threads", "median ms", "ratio", "peer", "note"];
  const cells = rows.map((r) => [
    r.engine,
    r.workload,
    r.shape,
    String(r.threads),
    r.median_ms == null ? "missing" : r.median_ms >= 100 ? r.median_ms.toFixed(0) : r.median_ms.toFixed(2),
    r.ratio == null ? "—" : `${r.ratio.toFixed(2)}×`,
    r.peer ?? "—",
    r.note ?? "",
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 4 || i === 5 ? x.padStart(w[i]) : x.padEnd(w[i]))).join("  ");
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const c of cells) console.log(line(c));
}

/** A bert-base folder (config.json + model.safetensors, random weights) for the cold-load runs. */
function modelDir(): { dir: string; bytes: number } {
  const dir = path.join(os.tmpdir(), "bertlab-bench-bert-base");
  const file = path.join(dir, "model.safetensors");
  const w = randomBertWeights(BERT_BASE);
  const bytes = weightBytes(w);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(path.join(dir, "config.json"), JSON.stringify({ architectures: ["BertModel"], model_type: "bert", ...BERT_BASE }, null, 2));
    writeSafetensors(file, w);
  }
  return { dir, bytes };
}

function child(args: string[], env: NodeJS.ProcessEnv = {}): Record<string, number | string | boolean> {
  const script = path.join(__dirname, "child.js");
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 10 * 60_000 });
  const last = (r.stdout ?? "").trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!last) return { ok: false, error: (r.stderr ?? "").trim().split("\n").pop() ?? `exit ${r.status}` };
  return JSON.parse(last);
}

async function main(): Promise<void> {
  const args = parseArgs();
  if (args.threads > 1) enable_wasm_threads(args.threads);
  const info = await ready();
  const wasmThreads = info.name === "wasm" ? wasm_threads_status().active : 1;
  if (args.threads > 1) console.log(`wasm threads: ${wasm_threads_status().reason}`);
  const rows: BenchRow[] = [];
  const extra: Record<string, unknown> = {};
  const shapes: [number, number][] = args.quick ? [[1, 128]] : [[1, 128], [8, 128]];
  const has = (s: string) => args.only.has(s);
  const load_before = loadavg();
  console.log(`load average before: ${load_before}`);
  if (has("alternating")) {
    console.log(`alternating rounds: PyTorch fp32 / int8 (quantize_dynamic) vs bertlab ONNX fp32 / int8${info.name === "wasm" ? " and tfjs-wasm fp32" : ""}, ${args.rounds} rounds …`);
    const r = await interleavedForward(BERT_BASE, shapes, args.rounds, (b) => (b > 1 ? 1 : 3), 2, info.name === "wasm");
    if ("missing" in r) {
      rows.push(row({ engine: "onnx int8", workload: "bert-base forward, alternating", shape: "b1 s128", threads: 2, median_ms: null, note: `peer missing: ${r.missing}` }));
    } else {
      const p = r.info;
      console.log(`peer: torch ${p.torch}, ${p.threads} threads, sgemm ${p.sgemm_gflops} GFLOP/s, quantized engine ${p.quantized_engine}`);
      extra.alternating = r;
      for (const x of r.results) {
        const shape = `b${x.shape[0]} s${x.shape[1]}`;
        const g = (w: string) => `${x.gflops[w].toFixed(1)} GFLOP/s (sgemm 128×768×3072 in the same rounds: PyTorch ${x.sgemm_gflops.pytorch.toFixed(1)}, ORT ${x.sgemm_gflops.onnx.toFixed(1)})`;
        const base = { workload: "bert-base forward, alternating rounds", shape, threads: 2 };
        const peerRow = (engine: string, w: string) => ({ ...base, engine, median_ms: x.ms[w].median_ms, ratio: null, peer: null, note: g(w) });
        rows.push(peerRow("pytorch", "pytorch"), peerRow("pytorch int8 (quantize_dynamic)", "pytorch int8"));
        const ours = (engine: string, w: string, key: string, vs: string, note: string): BenchRow => ({ ...base, engine, median_ms: x.ms[w].median_ms, ratio: x.ratios[key], peer: vs, note: `${g(w)}; median of ${x.rounds} per-round ratios${note}` });
        rows.push(ours("onnx", "onnx", "onnx/pytorch", "pytorch fp32, same rounds", ""));
        rows.push(ours("onnx int8", "onnx int8", "onnx int8/pytorch", "pytorch fp32, same rounds", `; cosine vs fp32 ${x.int8_cosine.toFixed(5)}`));
        rows.push(ours("onnx int8", "onnx int8", "onnx int8/pytorch int8", "pytorch quantize_dynamic, same rounds", ""));
        if (x.ms.tfjs) rows.push({ ...ours(`tfjs-${info.name}`, "tfjs", "tfjs/pytorch", "pytorch fp32, same rounds", "; bertlab BertModel, engine tfjs (the fallback without onnxruntime-node)"), threads: wasmThreads });
      }
      const pc = await perCoreForward(BERT_BASE, [1, 128], args.rounds, 3);
      if (!("missing" in pc)) {
        extra.alternating_per_core = pc;
        const base = { workload: "bert-base forward, CPU time, 1 thread, alternating", shape: "b1 s128", threads: 1 };
        rows.push({ ...base, engine: "pytorch", median_ms: pc.pytorch_cpu_ms, ratio: null, peer: null, note: `process CPU ms per forward; ${pc.gflops_per_core.pytorch.toFixed(1)} GFLOP/s per core` });
        rows.push({ ...base, engine: "onnx", median_ms: pc.onnx_cpu_ms, ratio: pc.ratio, peer: "pytorch 1 thread, same rounds", note: `process CPU ms per forward; ${pc.gflops_per_core.onnx.toFixed(1)} GFLOP/s per core; median of ${pc.rounds} per-round ratios` });
      }
    }
  }
  if (has("train_alternating")) {
    console.log(`alternating rounds: mini-BERT train step, PyTorch vs bertlab ONNX train graph vs tfjs, ${args.rounds} rounds …`);
    const r = await interleavedTrain(MINI_BERT, 8, 128, args.rounds, args.quick ? 2 : 3);
    if ("missing" in r) {
      rows.push(row({ engine: "onnx train step", workload: "mini-BERT train step, alternating", shape: "b8 s128", threads: 2, median_ms: null, note: `peer missing: ${r.missing}` }));
    } else {
      extra.train_alternating = r;
      for (const x of r.results) {
        const workload = `mini-BERT train step (AdamW), ${x.head === "mlm" ? "masked LM (every 7th token)" : "seq. classification"}, alternating`;
        const base = { workload, shape: `b${x.shape[0]} s${x.shape[1]}`, threads: 2 };
        const cpu = (w: string) => (x.ms[w].cpu_ms != null ? `CPU ${x.ms[w].cpu_ms!.toFixed(0)} ms/step (all threads)` : "");
        rows.push({ ...base, engine: "pytorch", median_ms: x.ms.pytorch.median_ms, ratio: null, peer: null, note: `torch.optim.AdamW; ${cpu("pytorch")}` });
        rows.push({ ...base, engine: "onnx train graph", median_ms: x.ms.onnx.median_ms, ratio: x.ratios["onnx/pytorch"], peer: "pytorch, same rounds", note: `median of ${x.rounds} per-round ratios; ${cpu("onnx")}; loss ${x.loss_first.toFixed(4)} → ${x.loss_last.toFixed(4)}` });
        rows.push({ ...base, engine: "onnx train graph", threads: 1, median_ms: x.ms["onnx 1 thread"].median_ms, ratio: x.ratios["onnx 1 thread/pytorch"], peer: "pytorch (2 threads), same rounds", note: `one intra-op thread; ${cpu("onnx 1 thread")}` });
        if (x.ms.tfjs) rows.push({ ...base, engine: `tfjs-${info.name}`, threads: wasmThreads, median_ms: x.ms.tfjs.median_ms, ratio: x.ratios["tfjs/pytorch"], peer: "pytorch, same rounds", note: `autograd + bertlab AdamW; ${cpu("tfjs")}` });
      }
    }
  }
  if (has("forward_profile") && onnx_available()) {
    console.log("ONNX forward profile (ORT profiler, one thread) …");
    const profiles = [];
    for (const [q, shape] of [[null, [1, 128]], [null, [8, 128]], [{ per_channel: true }, [1, 128]]] as const) {
      const p = await forwardProfile(BERT_BASE, [shape[0], shape[1]], q);
      profiles.push(p);
      rows.push(row({ engine: `onnx ${q ? "int8" : "fp32"}`, workload: "profile of one bert-base forward, ORT profiler", shape: `b${shape[0]} s${shape[1]}`, threads: 1, median_ms: p.kernel_ms, note: `${p.gflops.toFixed(0)} GFLOP/s; ` + p.ops.slice(0, 6).map((o) => `${o.op} ${(100 * o.share).toFixed(0)} %`).join(", ") }));
    }
    extra.forward_profile = profiles;
  }

  if (has("train_profile")) {
    console.log("ONNX train step profile (ORT profiler, one thread) …");
    const profiles = [];
    for (const head of ["classification", "mlm"] as const) {
      const p = await trainStepProfile(MINI_BERT, head);
      profiles.push(p);
      const last = p.steps_ms[p.steps_ms.length - 1];
      rows.push(row({ engine: "onnx train graph", workload: `profile of one mini-BERT train step (${head}), ORT profiler`, shape: "b8 s128", threads: 1, median_ms: last, note: p.groups.map((g) => `${g.name.split(" (")[0]} ${g.ms.toFixed(0)} ms (${(100 * g.share).toFixed(0)} %)`).join("; ") }));
    }
    extra.train_profile = profiles;
  }
  console.log(`bertlab bench — tfjs backend ${info.name} (${backend_info()?.reason}); ${os.cpus().length} cores; ${new Date().toISOString()}`);

  // PyTorch peer first (it uses both cores; nothing else runs meanwhile).
  const jobs: PeerJob[] = [];
  if (has("forward")) for (const [b, s] of shapes) jobs.push({ id: `fwd_b${b}`, kind: "forward", batch: b, seq: s, config: BERT_BASE, reps: b > 1 ? 3 : args.reps });
  if (has("train")) jobs.push({ id: "train", kind: "train", batch: 8, seq: 128, config: MINI_BERT, reps: args.quick ? 2 : 3 });
  let peer: PeerResult = { available: false, reason: "no peer workloads selected", median_ms: new Map() };
  if (jobs.length) {
    console.log("running the PyTorch peer …");
    peer = runPeer(jobs, 2);
    if (has("forward") && peer.available) {
      // per-core comparison in its own 1-thread process (OpenBLAS keeps a pool started with 2 threads)
      const one = runPeer([{ id: "fwd_cpu_b1", kind: "forward_cpu", batch: 1, seq: 128, config: BERT_BASE, reps: args.reps }], 1);
      for (const [k, v] of one.median_ms) peer.median_ms.set(k, v);
    }
    console.log(peer.available ? `peer: torch ${peer.info?.torch}, ${peer.info?.threads} threads, sgemm ${peer.info?.sgemm_gflops} GFLOP/s` : `peer missing: ${peer.reason}`);
    if (peer.info?.sgemm_gflops !== undefined && peer.info.sgemm_gflops < 20) {
      console.log("warning: the peer's BLAS looks like the reference implementation; install libopenblas0-pthread for a fair peer");
    }
    extra.peer = { available: peer.available, reason: peer.reason, info: peer.info };
  }
  const peerMs = (id: string): number | null => (peer.available ? peer.median_ms.get(id) ?? null : null);
  const peerNote = peer.available ? undefined : `peer missing: ${peer.reason}`;

  if (has("forward")) {
    for (const [i, [b, s]] of shapes.entries()) {
      rows.push(row({ engine: "pytorch", workload: "bert-base forward", shape: `b${b} s${s}`, threads: 2, median_ms: peerMs(`fwd_b${b}`), note: peerNote ?? RANDOM_NOTE }));
      void i;
    }
    if (onnx_available()) {
      console.log("onnx forward …");
      const o = await onnxForward(BERT_BASE, shapes, args.reps);
      o.results.forEach((t, i) => {
        const [b, s] = shapes[i];
        rows.push(row({ engine: "onnx", workload: "bert-base forward", shape: `b${b} s${s}`, threads: o.threads, median_ms: t.median_ms, peer_ms: peerMs(`fwd_b${b}`), note: i === 0 ? `graph build + session ${o.build_ms.toFixed(0)} ms` : undefined }));
      });
      const cpu = await onnxForwardCpu(BERT_BASE, 1, 128, args.reps);
      rows.push(row({ engine: "pytorch", workload: "bert-base forward, CPU time", shape: "b1 s128", threads: 1, median_ms: peerMs("fwd_cpu_b1"), note: peerNote ?? "process CPU ms per forward, 1 thread" }));
      rows.push(row({ engine: "onnx", workload: "bert-base forward, CPU time", shape: "b1 s128", threads: 1, median_ms: cpu.cpu_ms, peer_ms: peerMs("fwd_cpu_b1"), peer: "pytorch 1 thread, CPU time", note: `process CPU ms per forward; wall ${cpu.wall_ms.toFixed(0)} ms` }));
    } else {
      rows.push(row({ engine: "onnx", workload: "bert-base forward", shape: "b1 s128", threads: 0, median_ms: null, note: "onnxruntime-node not installed" }));
    }
    console.log(`tfjs-${info.name} forward (bertlab BertModel) …`);
    const tf = await tfjsModelForward(BERT_BASE, shapes, Math.min(args.reps, 3));
    tf.forEach((t, i) => {
      const [b, s] = shapes[i];
      rows.push(row({ engine: `tfjs-${info.name}`, workload: "bert-base forward", shape: `b${b} s${s}`, threads: wasmThreads, median_ms: t.median_ms, peer_ms: peerMs(`fwd_b${b}`), note: "bertlab BertModel, eval" }));
    });
    rows.push(row({ engine: `tfjs-${info.name}`, workload: "bert-base forward, CPU time", shape: "b1 s128", threads: wasmThreads, median_ms: tf[0].cpu_ms, peer_ms: peerMs("fwd_cpu_b1"), peer: "pytorch 1 thread, CPU time", note: "process CPU ms per forward" }));
    if (onnx_available()) {
      console.log("onnx through model.forward (sync bridge) …");
      const viaModel = await tfjsModelForward(BERT_BASE, shapes, Math.min(args.reps, 3), "onnx");
      viaModel.forEach((t, i) => {
        const [b, s] = shapes[i];
        rows.push(row({ engine: "onnx (model.forward)", workload: "bert-base forward", shape: `b${b} s${s}`, threads: os.cpus().length, median_ms: t.median_ms, peer_ms: peerMs(`fwd_b${b}`), note: "BertModel with engine 'onnx': worker + Atomics.wait bridge" }));
      });
    }
    let nodeOk = true;
    try {
      require.resolve("@tensorflow/tfjs-node");
    } catch {
      nodeOk = false;
    }
    if (nodeOk) {
      console.log("tfjs-node forward (child process) …");
      for (const [b, s] of shapes) {
        const r = child(["forward", String(b), String(s)], { BERTLAB_BACKEND: "node" });
        rows.push(row({ engine: "tfjs-node", workload: "bert-base forward", shape: `b${b} s${s}`, threads: os.cpus().length, median_ms: r.ok ? Number(r.median_ms) : null, peer_ms: peerMs(`fwd_b${b}`), note: r.ok ? undefined : String(r.error) }));
      }
    } else {
      rows.push(row({ engine: "tfjs-node", workload: "bert-base forward", shape: "b1 s128", threads: 0, median_ms: null, note: "@tensorflow/tfjs-node not installed" }));
    }
  }

  if (has("train")) {
    console.log("mini-BERT training step …");
    const t = await tfjsTrainStep(MINI_BERT, 8, 128, args.quick ? 2 : 3);
    rows.push(row({ engine: "pytorch", workload: "mini-BERT train step (AdamW)", shape: "b8 s128", threads: 2, median_ms: peerMs("train"), note: peerNote ?? "hidden 256, 4 layers, 4 heads" }));
    rows.push(row({ engine: `tfjs-${info.name}`, workload: "mini-BERT train step (AdamW)", shape: "b8 s128", threads: wasmThreads, median_ms: t.median_ms, peer_ms: peerMs("train"), note: `bertlab AdamW; loss ${t.loss_first.toFixed(4)} → ${t.loss_last.toFixed(4)}` }));
  }

  if (has("tokenizer")) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const mod = require("./tokenizer") as { benchTokenizer: () => Promise<BenchRow[]> };
      console.log("tokenizer …");
      rows.push(...(await mod.benchTokenizer()));
    } catch (e) {
      rows.push(row({ engine: "bertlab tokenizer", workload: "tokenize", shape: "—", threads: 1, median_ms: null, note: `bench/tokenizer.ts failed: ${(e as Error).message.split("\n")[0]}` }));
    }
  }

  if (has("load")) {
    console.log("cold load (child processes) …");
    const { dir, bytes } = modelDir();
    const mb = bytes / 2 ** 20;
    const ratio = (v: number) => `${v.toFixed(0)} MB = ${(v / mb).toFixed(2)}× weights (${mb.toFixed(0)} MB)`;
    // onnx: lazy tensors streamed into the session's external-data file; onnx (in-memory model): as before
    // tfjs without the forward's Wᵀ cache (src/ops/transpose_cache.ts): what the cache adds to the peak after the first forward
    const jobs: [string, string, NodeJS.ProcessEnv][] = [[`tfjs-${info.name}`, "load-tfjs", {}], [`tfjs-${info.name} (BERTLAB_LINEAR_CACHE=0)`, "load-tfjs", { BERTLAB_LINEAR_CACHE: "0" }], ["onnx (model.forward)", "load-model-onnx", {}], ["onnx", "load-onnx", {}], ["onnx (in-memory model)", "load-onnx-inmem", {}]];
    for (const [engine, job, env] of jobs) {
      if (job !== "load-tfjs" && !onnx_available()) continue;
      const r = child([job, dir], env);
      const rss = Number(r.maxrss_mb);
      const load = r.load_rss_mb === undefined ? null : Number(r.load_rss_mb);
      // tfjs: the loader's own peak (weights streamed into the variables), then the peak after the first forward
      const note = !r.ok ? String(r.error) : load !== null ? `peak RSS after load ${ratio(load)}; after the first forward ${ratio(rss)}` : `peak RSS ${ratio(rss)}`;
      rows.push(row({ engine, workload: "cold from_pretrained", shape: "bert-base", threads: 1, median_ms: r.ok ? Number(r.cold_ms) : null, note, extra: r.ok ? { maxrss_mb: rss, weight_mb: mb, rss_over_weights: rss / mb, ...(load === null ? {} : { load_rss_mb: load, load_rss_over_weights: load / mb }), ...(r.load_anon_mb === undefined ? {} : { load_anon_mb: Number(r.load_anon_mb), load_file_mb: Number(r.load_file_mb), forward_anon_mb: Number(r.forward_anon_mb), forward_file_mb: Number(r.forward_file_mb) }) } : undefined }));
      if (r.ok) rows.push(row({ engine, workload: "first forward after load", shape: "b1 s128", threads: 1, median_ms: Number(r.first_forward_ms) }));
    }
  }

  if (has("int8_cache") && onnx_available()) {
    console.log("first int8 forward of a new process, without and with the int8 graph cache (child processes) …");
    const { dir } = modelDir();
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-bench-int8-cache-"));
    try {
      for (const variant of ["engine", "model"] as const) {
        fs.rmSync(cache, { recursive: true, force: true });
        const env = { BERTLAB_INT8_CACHE: cache };
        const cold = child(["int8-first", dir, variant], env);
        const warm = Array.from({ length: args.quick ? 2 : 4 }, () => child(["int8-first", dir, variant], env));
        const label = variant === "engine" ? "OnnxBertEngine.create + run" : "model.quantize() + model.forward";
        const bad = [cold, ...warm].find((r) => !r.ok);
        if (bad) {
          rows.push(row({ engine: "onnx int8", workload: `first int8 forward, new process (${label})`, shape: "bert-base b1 s128", threads: os.cpus().length, median_ms: null, note: String(bad.error) }));
          continue;
        }
        const hits = warm.every((r) => Number(r.hits) === 1 && Number(r.writes) === 0);
        const warmMs = median(warm.map((r) => Number(r.first_int8_ms)));
        const fileKeyed = warm.every((r) => Number(r.digests) === 0 && Number(r.file_keys) > 0);
        const digest = (warm[0].digest_ms === null ? "" : `; weight digest ${median(warm.map((r) => Number(r.digest_ms))).toFixed(0)} ms of it`) + (fileKeyed ? "; keyed on the checkpoint files (no weight read)" : "");
        rows.push(row({ engine: `onnx int8 (${cold.scheme})`, workload: `first int8 forward, new process, no cache (${label})`, shape: "bert-base b1 s128", threads: os.cpus().length, median_ms: Number(cold.first_int8_ms), note: `quantized and wrote the cache entry (writes ${cold.writes})` }));
        rows.push(row({ engine: `onnx int8 (${cold.scheme})`, workload: `first int8 forward, new process, warm cache (${label})`, shape: "bert-base b1 s128", threads: os.cpus().length, median_ms: warmMs, note: `median of ${warm.length} processes, ${hits ? "every one a cache hit" : "NOT all cache hits"}${digest}; process CPU ${median(warm.map((r) => Number(r.cpu_ms))).toFixed(0)} ms (cold ${Number(cold.cpu_ms).toFixed(0)}); goal ≤ 500 ms; ${(Number(cold.first_int8_ms) / warmMs).toFixed(1)}× faster than cold`, extra: { cold_ms: Number(cold.first_int8_ms), cold_cpu_ms: Number(cold.cpu_ms), warm_ms: warm.map((r) => Number(r.first_int8_ms)).join(","), warm_cpu_ms: warm.map((r) => Number(r.cpu_ms)).join(",") } }));
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }

  if (has("datasets")) {
    // issue 25 item 5: a generated CSV (BERTLAB_BENCH_CSV_MB, default 1024) streamed and mapped in a fresh process
    const mb = Number(process.env.BERTLAB_BENCH_CSV_MB ?? 1024);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-bench-csv-"));
    try {
      const file = path.join(tmp, "reviews.csv");
      const script = path.join(__dirname, "datasets_stream.js");
      const run = (a: string[]) => {
        const r = spawnSync(process.execPath, [script, ...a], { encoding: "utf8", timeout: 20 * 60_000 });
        const last = (r.stdout ?? "").trim().split("\n").filter((l) => l.startsWith("{")).pop();
        if (!last) throw new Error((r.stderr ?? "").trim().split("\n").pop() ?? `exit ${r.status}`);
        return JSON.parse(last);
      };
      console.log(`datasets: writing a ${mb} MB CSV, then streaming + mapping it …`);
      run(["generate", file, String(mb)]);
      const r = run(["stream", file]);
      const gb = r.bytes / 2 ** 30;
      rows.push(row({ engine: "bertlab datasets", workload: "load_dataset csv streaming + map", shape: `${(r.bytes / 2 ** 20).toFixed(0)} MB, ${r.rows} rows`, threads: 1, median_ms: r.ms,
        note: `peak RSS ${r.maxrss_mb.toFixed(0)} MB (goal ≤ 300 MB for 1 GB); ${(r.bytes / 2 ** 20 / (r.ms / 1000)).toFixed(1)} MB/s; ${gb.toFixed(2)} GB`, extra: { maxrss_mb: r.maxrss_mb, rows: r.rows } }));
    } catch (e) {
      rows.push(row({ engine: "bertlab datasets", workload: "load_dataset csv streaming + map", shape: `${mb} MB`, threads: 1, median_ms: null, note: `failed: ${(e as Error).message}` }));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  if (has("leak")) {
    console.log("1,000 forwards (leak check) …");
    const l = await leakCheck({ ...MINI_BERT, num_hidden_layers: 2 }, 1000);
    rows.push(row({ engine: `tfjs-${info.name}`, workload: "1,000 forwards leak check", shape: "b2 s16", threads: wasmThreads, median_ms: l.ms_per_forward, note: `tensors ${l.tensors_before} → ${l.tensors_after}, bytes ${l.bytes_before} → ${l.bytes_after}, wasm heap ${sign(l.wasm_heap_growth_mb)} MB, JS heap ${sign(l.js_heap_growth_mb)} MB, RSS ${sign(l.rss_growth_mb)} MB`, extra: l }));
    if (onnx_available()) {
      const o = await onnxLeakCheck({ ...MINI_BERT, num_hidden_layers: 2 }, 1000);
      rows.push(row({ engine: "onnx", workload: "1,000 forwards leak check", shape: "b2 s16", threads: os.cpus().length, median_ms: o.ms_per_forward, note: `RSS ${sign(o.rss_growth_mb)} MB (2nd half ${sign(o.rss_growth_second_half_mb)})`, extra: o }));
    }
  }

  if (has("profile")) {
    console.log("per-kernel profile (bench ops forward, b1 s128) …");
    const p = await tfjsOpsForward(BERT_BASE, 1, 128, 2, true);
    rows.push(row({ engine: `tfjs-${info.name}`, workload: "bert-base forward (bench ops)", shape: "b1 s128", threads: wasmThreads, median_ms: p.timing.median_ms, peer_ms: peerMs("fwd_b1"), note: "bench/tfjs_bert.ts over src/ops" }));
    extra.kernel_profile = p.kernels;
    const total = p.kernels!.reduce((s, k) => s + k.ms, 0);
    console.log("top kernels (ms, share):");
    for (const k of p.kernels!.slice(0, 12)) console.log(`  ${k.name.padEnd(34)} ${k.ms.toFixed(1).padStart(8)}  ${((100 * k.ms) / total).toFixed(1).padStart(5)}%  ×${k.count}`);
  }

  if (has("ablation")) {
    console.log("ops ablation (mini-BERT forward, b8 s128, interleaved) …");
    const a = await ablation(MINI_BERT, 8, 128, args.quick ? 2 : 3);
    const base = a[0].median_ms;
    for (const v of a) {
      rows.push(row({ engine: `tfjs-${info.name}`, workload: `ablation: ${v.name}`, shape: "mini b8 s128", threads: wasmThreads, median_ms: v.median_ms, note: `${(base / v.median_ms).toFixed(2)}× faster than the original ops` }));
    }
  }

  if (has("kernel")) {
    console.log(`kernel cold start, ${args.rounds} alternating rounds (bertlab from its startup snapshot and without, tslab, deno) …`);
    const ks = await kernel_cold_start(args.rounds);
    extra.kernel = ks;
    for (const k of ks) {
      if ("missing" in k) {
        rows.push(row({ engine: k.kernel, workload: "kernel cold start", shape: "—", threads: 1, median_ms: null, note: k.missing }));
        continue;
      }
      const n = `median of ${k.runs.length}; ready ${k.ready_ms.toFixed(0)} ms${k.first_cpu_ms !== null ? `; kernel CPU ${k.first_cpu_ms.toFixed(0)} ms` : ""}`;
      rows.push(row({ engine: `${k.kernel} kernel`, workload: `start → first result (${k.first_cell})`, shape: "cold", threads: 1, median_ms: k.first_ms, note: n }));
      rows.push(row({ engine: `${k.kernel} kernel`, workload: "trivial cell after it", shape: "warm", threads: 1, median_ms: k.trivial_ms, note: `median of ${k.runs.length}` }));
      rows.push(row({ engine: `${k.kernel} kernel`, workload: "one-line cell, execute_request → reply", shape: "warm", threads: 1, median_ms: k.warm_ms, note: `median of ${k.runs.length * WARM_CELLS.length} cells, each after a ${WARM_PAUSE_MS} ms pause` }));
    }
  }

  console.log("");
  printTable(rows);
  const out = path.join(__dirname, "..", "..", "bench", "results", `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const load_after = loadavg();
  console.log(`load average after: ${load_after}`);
  const date = new Date().toISOString();
  const goals = evaluateGoals({ date, rows, ...extra } as BenchRun, readShippedEval(path.join(__dirname, "..", "..")));
  console.log("");
  printGoals(goals.filter((g) => g.met !== null));
  writeFileAtomicSync(out, JSON.stringify({ date, load_before, load_after, backend: info, cpus: os.cpus().length, node: process.version, args: { ...args, only: [...args.only] }, rows, goals, ...extra }, null, 2));
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
