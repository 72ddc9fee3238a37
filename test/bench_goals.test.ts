// bench/goals.ts: issue 13's goals judged from committed bench runs (real measurements, not made-up rows).
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { test } from "node:test";
import { evaluateGoals, mergeGoals, type BenchRun, type Goal } from "../bench/goals";

const RESULTS = path.join(__dirname, "..", "bench", "results");
const run = (f: string) => JSON.parse(fs.readFileSync(path.join(RESULTS, f), "utf8")) as BenchRun;
const byGoal = (gs: Goal[], text: string) => {
  const g = gs.find((x) => x.goal === text);
  assert.ok(g, `no goal '${text}' in ${gs.map((x) => x.goal).join(" | ")}`);
  return g;
};

test("goals from the 07:47 run (alternating + load): int8 met at b1, fp32 missed by its measured distance, RSS per engine", () => {
  const gs = evaluateGoals(run("2026-12-03T07-47-04-797Z.json"));
  const int8b1 = byGoal(gs, "int8 BERT-base forward b1 s128 vs PyTorch fp32");
  assert.equal(int8b1.met, true);
  assert.ok(Math.abs(int8b1.measured! - 0.22218744363126466) < 1e-12);
  const qd8 = byGoal(gs, "int8 BERT-base forward b8 s128 vs PyTorch quantize_dynamic");
  assert.equal(qd8.met, false);
  assert.equal(qd8.distance, "1.39× the goal (0.97× vs ≤ 0.70×)");
  const fp1 = byGoal(gs, "fp32 BERT-base forward b1 s128 vs PyTorch");
  assert.equal(fp1.met, false);
  assert.equal(fp1.distance, "1.46× the goal (0.87× vs ≤ 0.60×)");
  assert.match(fp1.evidence, /sgemm 128×768×3072 in the same rounds: PyTorch 146\.4, ORT 81\.3\)/);
  assert.match(fp1.evidence, /per core \(1 thread each, CPU time\) 0\.69×/);
  const cos = byGoal(gs, "int8 cosine vs fp32 (last_hidden_state, b8)");
  assert.equal(cos.met, true);
  assert.equal(cos.distance, "met (0.99984 vs ≥ 0.99900)");
  const tfLoad = byGoal(gs, "peak RSS after a cold bert-base from_pretrained (tfjs-wasm) / weight bytes");
  const tfFwd = byGoal(gs, "peak RSS after load + first forward (tfjs-wasm) / weight bytes");
  assert.deepEqual([tfLoad.met, tfFwd.met], [true, false]);
  assert.equal(tfFwd.distance, "2.39× the goal (3.10× vs ≤ 1.30×)");
  const ortFwd = byGoal(gs, "peak RSS after load + first forward (onnx) / weight bytes");
  assert.equal(ortFwd.met, true);
  // sections this run did not hold are said so, not guessed
  for (const g of gs.filter((x) => x.item === 4)) assert.deepEqual([g.met, g.measured, g.distance], [null, null, "not measured in this run"]);
  assert.equal(gs.filter((x) => x.item === 5).length, 0);
});

test("merging runs keeps the newest measure of each goal and adds the profile; the shipped model's evaluation is judged", () => {
  const merged = mergeGoals([
    evaluateGoals(run("2026-12-03T07-47-04-797Z.json")),
    evaluateGoals(run("2026-12-03T08-06-31-418Z.json")),
    evaluateGoals(run("2026-12-03T08-16-34-954Z.json")),
    evaluateGoals({ rows: [] }, { mlm_accuracy: 0.14283410385980003, unigram_accuracy: 0.07015374690893453, nsp_accuracy: 0.5224609375, nsp_majority_rate: 0.5224609375, steps: 800, examples: 1024, masked_tokens: 18602 }),
  ]);
  const fp8 = byGoal(merged, "fp32 BERT-base forward b8 s128 vs PyTorch");
  assert.ok(Math.abs(fp8.measured! - 1.1518260536807892) < 1e-12, "the 08:06 run is newer than 07:47");
  const fp1 = byGoal(merged, "fp32 BERT-base forward b1 s128 vs PyTorch");
  assert.equal(fp1.evidence.includes("ORT profile"), false, "the 08:06 run had no profile section");
  const withProfile = evaluateGoals({ ...run("2026-12-03T08-06-31-418Z.json"), forward_profile: (run("2026-12-03T08-16-34-954Z.json") as BenchRun).forward_profile });
  assert.match(byGoal(withProfile, "fp32 BERT-base forward b1 s128 vs PyTorch").evidence, /ORT profile \(1 thread\) 103 GFLOP\/s: MatMul 66%, Attention 22%/);
  const mlm = byGoal(merged, "shipped mini-BERT held-out MLM accuracy");
  assert.equal(mlm.met, false);
  assert.equal(mlm.distance, "10.7 points short (14.3% vs ≥ 25.0%)");
  assert.equal(byGoal(merged, "shipped mini-BERT NSP accuracy, clearly above the majority label (+5 points)").met, false);
  assert.ok(merged.every((g, i) => i === 0 || merged[i - 1].item <= g.item), "sorted by item");
});

test("each measured timing goal carries its run's load average (a busy machine skews wall-clock ratios)", () => {
  const gs = evaluateGoals(run("2026-12-03T10-21-32-524Z.json"));
  const fp1 = byGoal(gs, "fp32 BERT-base forward b1 s128 vs PyTorch");
  assert.equal(fp1.load, "2.92 → 3.29");
  assert.equal(byGoal(gs, "wasm-only fp32 forward fallback b8 s128 vs PyTorch").measured! > 2, true);
  assert.equal(byGoal(gs, "mini-BERT train step (masked LM, b8 s128, AdamW) vs PyTorch").met, true);
  assert.equal(byGoal(gs, "peak RSS after load + first forward (onnx) / weight bytes").distance, "1.01× the goal (1.31× vs ≤ 1.30×)");
});
