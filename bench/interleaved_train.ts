// The mini-BERT training step (hidden 256, 4 layers, b8 s128, AdamW lr 5e-5 wd 0.01, dropout 0 on both
// sides) in alternating rounds: PyTorch (peer_torch.py --serve, torch.optim.AdamW) against bertlab's ONNX
// Runtime train step (src/engines/onnx/train_step.ts, one graph: forward + backward + AdamW) and, for the
// classification head, bertlab's tfjs step (autograd + AdamW on the active tfjs backend). Heads:
// BertForSequenceClassification (2 labels) and the masked-LM loss on the masked rows (every 7th token, the
// tied decoder; the peer computes the same rows, so both sides do equal FLOPs). Each round runs `reps` steps
// of every workload; a ratio is the median of the per-round ratios. CPU ms: process CPU time per step, all
// threads (the peer's 2 OpenMP threads, ORT's 2 intra-op threads).
import type { TensorData } from "../src/hub/safetensors";
import { OnnxTrainStep, cores } from "../src/engines";
import { median } from "./common";
import { PeerInfo, ServedPeer } from "./interleaved";
import { peerAvailable } from "./peer";
import { BenchBertConfig, randomBertWeights, randomIds } from "./random_bert";
import { tfjsTrainStep } from "./workloads";

export type TrainHead = "classification" | "mlm";

export interface InterleavedTrainResult {
  head: TrainHead;
  shape: [number, number];
  rounds: number;
  reps: number;
  ms: Record<string, { times_ms: number[]; median_ms: number; cpu_ms?: number }>;
  ratios: Record<string, number>;
  loss_first: number;
  loss_last: number;
}

/** Random weights of the head's parameters beside BertModel's (bench/random_bert.ts). */
export function headWeights(c: BenchBertConfig, head: TrainHead): Map<string, TensorData> {
  const w = randomBertWeights(c, 1, "bert.");
  const H = c.hidden_size;
  const set = (name: string, shape: number[], f: (i: number) => number) => w.set(name, { dtype: "float32", shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) });
  if (head === "classification") {
    set("classifier.weight", [2, H], (i) => 0.02 * Math.sin(i));
    set("classifier.bias", [2], () => 0);
  } else {
    set("cls.predictions.transform.dense.weight", [H, H], (i) => 0.02 * Math.sin(i));
    set("cls.predictions.transform.dense.bias", [H], () => 0);
    set("cls.predictions.transform.LayerNorm.weight", [H], () => 1);
    set("cls.predictions.transform.LayerNorm.bias", [H], () => 0);
    set("cls.predictions.bias", [c.vocab_size], () => 0);
  }
  return w;
}

export async function interleavedTrain(c: BenchBertConfig, b: number, s: number, rounds: number, reps: number, threads = 2): Promise<{ info: PeerInfo; results: InterleavedTrainResult[] } | { missing: string }> {
  const avail = peerAvailable();
  if (!avail.ok) return { missing: avail.reason! };
  const peer = new ServedPeer(threads);
  try {
    const info = (await peer.call({ info: true })).info as PeerInfo;
    const results: InterleavedTrainResult[] = [];
    const ids = randomIds(b, s, c.vocab_size);
    for (const head of ["classification", "mlm"] as TrainHead[]) {
      await peer.call({ setup_train: head, config: c, batch: b, seq: s, head });
      const arch = head === "classification" ? "BertForSequenceClassification" : "BertForMaskedLM";
      const make = (n: number) => OnnxTrainStep.create({ config: c, weights: headWeights(c, head), architecture: arch, param_groups: [{ lr: 5e-5, weight_decay: 0.01 }], threads: n, spinning: false });
      const step = await make(Math.min(threads, cores()));
      const step1 = await make(1); // one intra-op thread: on a loaded machine it beats two (less synchronisation)
      const labels = head === "classification" ? ids.map((_, i) => i % 2) : ids.map((r, i) => r.map((v, j) => ((i * s + j) % 7 === 0 ? v : -100)));
      const losses: number[] = [];
      const ours = async (st = step): Promise<{ times: number[]; cpu: number[] }> => {
        const times: number[] = [], cpu: number[] = [];
        for (let i = 0; i < reps; i++) {
          const c0 = process.cpuUsage();
          const t = performance.now();
          const loss = (await st.step({ input_ids: ids, labels })).loss;
          if (st === step) losses.push(loss);
          times.push(performance.now() - t);
          const d = process.cpuUsage(c0);
          cpu.push((d.user + d.system) / 1000);
        }
        return { times, cpu };
      };
      for (const st of [step, step, step1, step1]) await ours(st); // warm-up: ORT's arena grows over the first steps
      const W = head === "classification" ? ["pytorch", "onnx", "onnx 1 thread", "tfjs"] : ["pytorch", "onnx", "onnx 1 thread"];
      const perRound: Record<string, number[]> = Object.fromEntries(W.map((w) => [w, []]));
      const all: Record<string, number[]> = Object.fromEntries(W.map((w) => [w, []]));
      const cpuAll: Record<string, number[]> = Object.fromEntries(W.map((w) => [w, []]));
      for (let r = 0; r < rounds; r++) {
        const p = await peer.call({ train: head, reps });
        const o = await ours();
        const o1 = await ours(step1);
        const runs: [string, number[], number[] | null][] = [["pytorch", p.times_ms as number[], p.cpu_ms as number[]], ["onnx", o.times, o.cpu], ["onnx 1 thread", o1.times, o1.cpu]];
        if (W.includes("tfjs")) {
          const t = await tfjsTrainStep(c, b, s, 1);
          runs.push(["tfjs", t.times_ms, [t.cpu_ms]]);
        }
        for (const [w, ts, cpu] of runs) {
          all[w].push(...ts);
          perRound[w].push(median(ts));
          if (cpu) cpuAll[w].push(...cpu);
        }
      }
      const ratio = (w: string) => median(perRound[w].map((x, i) => x / perRound.pytorch[i]));
      const ms: InterleavedTrainResult["ms"] = {};
      for (const w of W) ms[w] = { times_ms: all[w], median_ms: median(perRound[w]), cpu_ms: cpuAll[w].length ? median(cpuAll[w]) : undefined };
      const ratios: Record<string, number> = { "onnx/pytorch": ratio("onnx"), "onnx 1 thread/pytorch": ratio("onnx 1 thread") };
      if (W.includes("tfjs")) ratios["tfjs/pytorch"] = ratio("tfjs");
      results.push({ head, shape: [b, s], rounds, reps, ms, ratios, loss_first: losses[0], loss_last: losses[losses.length - 1] });
      await step.dispose();
      await step1.dispose();
    }
    return { info, results };
  } finally {
    peer.close();
  }
}
