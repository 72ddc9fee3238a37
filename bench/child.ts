// One measurement in a fresh Node process (so peak RSS and "cold" mean something):
//   node dist/bench/child.js load-tfjs <model dir>   BertModel.from_pretrained (weights streamed tensor by tensor
//                                                    into the variables) + first forward (b1 s128)
//   node dist/bench/child.js load-model-onnx <dir>   the same, the forward on ONNX Runtime (model.engine "onnx")
//   node dist/bench/child.js load-onnx <model dir>   OnnxBertEngine.create over the checkpoint's lazy tensors (each read,
//                                                    transposed and written to the session's external-data file in
//                                                    turn) + first run; `load-onnx-inmem`: readSafetensors + one
//                                                    in-memory model (external_data: false), as before
//   node dist/bench/child.js forward <b> <s>         BertModel forward on the backend BERTLAB_BACKEND selects
//   node dist/bench/child.js int8-first <dir> <engine|model>  the first int8 forward of this process, weights already
//                                                    in memory: OnnxBertEngine.create({ quantize: true }) + run, or
//                                                    model.quantize() + model.forward; with the int8 graph cache of
//                                                    BERTLAB_INT8_CACHE (cold when empty, warm when an earlier child wrote it)
// Prints one JSON line: { ok, cold_ms, first_forward_ms, median_ms, load_rss_mb, maxrss_mb, backend } or { ok: false, error }.
import * as fs from "fs";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { open_safetensors, readSafetensors } from "../src/hub/safetensors";
import { int8_cache_stats, int8_cpu_info, OnnxBertEngine } from "../src/engines";
import { weights_digest } from "../src/engines/onnx/graph_cache";
import { BertModel } from "../src/models";
import { median } from "./common";
import { BERT_BASE, randomIds } from "./random_bert";

/**
 * Peak RSS of this process in MB: VmHWM from /proc (reset at exec). getrusage's maxRSS is not: it keeps
 * the high-water mark of the forked parent image, so a child of a big bench process inherited its size.
 */
function maxRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Resident MB now: anonymous (heaps, ORT's packed weights) and file-backed (code, mapped external data). */
function rssNow(): { anon: number; file: number } {
  try {
    const s = fs.readFileSync("/proc/self/status", "utf8");
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN) / 1024;
    return { anon: kb("RssAnon"), file: kb("RssFile") };
  } catch {
    return { anon: NaN, file: NaN };
  }
}

async function main(): Promise<object> {
  const [job, a1, a2] = process.argv.slice(2);
  const ids = randomIds(1, 128, 30522);
  if (job === "load-tfjs" || job === "load-model-onnx") {
    await ready();
    const t0 = performance.now();
    const model = await BertModel.from_pretrained(a1, { quiet: true });
    model.eval();
    model.engine = job === "load-tfjs" ? "tfjs" : "onnx"; // onnx: the forward through src/engines/sync
    const t1 = performance.now();
    const load_rss_mb = maxRssMb(); // the loader's peak; the forward adds activations and the cached Wᵀ copies
    const input_ids = tf.tensor2d(ids, [1, 128], "int32");
    const out = model({ input_ids });
    (out.last_hidden_state as tf.Tensor).dataSync();
    const t2 = performance.now();
    return { ok: true, backend: tf.getBackend(), cold_ms: t1 - t0, first_forward_ms: t2 - t1, load_rss_mb, maxrss_mb: maxRssMb() };
  }
  if (job === "load-onnx" || job === "load-onnx-inmem") {
    const t0 = performance.now();
    const config = JSON.parse(fs.readFileSync(path.join(a1, "config.json"), "utf8"));
    const file = path.join(a1, "model.safetensors");
    let engine: OnnxBertEngine;
    if (job === "load-onnx") {
      const reader = open_safetensors(file);
      try {
        engine = await OnnxBertEngine.create({ config, weights: reader.tensors, architecture: "BertModel", keep_weights: false });
      } finally {
        reader.close();
      }
    } else {
      engine = await OnnxBertEngine.create({ config, weights: readSafetensors(file).tensors, architecture: "BertModel", external_data: false });
    }
    const t1 = performance.now();
    const load_rss_mb = maxRssMb();
    const loaded = rssNow();
    await engine.run({ input_ids: ids });
    const t2 = performance.now();
    const ran = rssNow();
    return { ok: true, backend: "onnxruntime-node", cold_ms: t1 - t0, first_forward_ms: t2 - t1, load_rss_mb, maxrss_mb: maxRssMb(), load_anon_mb: loaded.anon, load_file_mb: loaded.file, forward_anon_mb: ran.anon, forward_file_mb: ran.file };
  }
  if (job === "int8-first") {
    const config = JSON.parse(fs.readFileSync(path.join(a1, "config.json"), "utf8"));
    let ms: number;
    let digest_ms: number | null = null;
    let cpu_ms: number;
    // process CPU time (all threads: main, ORT's intra-op pool, the sync worker): on a loaded machine closer to the idle wall time than wall time is
    const cpuMs = (c0: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(c0);
      return (d.user + d.system) / 1000;
    };
    if (a2 === "model") {
      await ready();
      const model = await BertModel.from_pretrained(a1, { quiet: true });
      model.engine = "onnx";
      model.quantize();
      const input_ids = tf.tensor2d(ids, [1, 128], "int32");
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const out = model({ input_ids });
      (out.last_hidden_state as tf.Tensor).dataSync();
      ms = performance.now() - t0;
      cpu_ms = cpuMs(c0);
    } else {
      const weights = readSafetensors(path.join(a1, "model.safetensors")).tensors;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const engine = await OnnxBertEngine.create({ config, weights, architecture: "BertModel", quantize: true });
      await engine.run({ input_ids: ids });
      ms = performance.now() - t0;
      cpu_ms = cpuMs(c0);
      const t1 = performance.now();
      weights_digest(weights); // the part of a warm start that reads every weight
      digest_ms = performance.now() - t1;
    }
    return { ok: true, backend: "onnxruntime-node", first_int8_ms: ms, cpu_ms, digest_ms, scheme: int8_cpu_info().scheme, ...int8_cache_stats() };
  }
  if (job === "forward") {
    const info = await ready();
    const [b, s] = [Number(a1), Number(a2)];
    const model = new BertModel({ ...BERT_BASE, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
    model.eval();
    model.engine = "tfjs";
    const input_ids = tf.tensor2d(randomIds(b, s, 30522), [b, s], "int32");
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t = performance.now();
      const out = model({ input_ids });
      (out.last_hidden_state as tf.Tensor).dataSync();
      tf.dispose(out as unknown as tf.TensorContainer);
      if (i > 0) times.push(performance.now() - t);
    }
    return { ok: true, backend: info.name, median_ms: median(times), maxrss_mb: maxRssMb() };
  }
  throw new Error(`bench child: unknown job '${job}'; expected load-tfjs, load-model-onnx, load-onnx, load-onnx-inmem, int8-first or forward`);
}

main().then(
  (r) => console.log(JSON.stringify(r)),
  (e) => {
    console.log(JSON.stringify({ ok: false, error: e instanceof Error ? e.message.split("\n")[0] : String(e) }));
    process.exitCode = 1;
  },
);
