// The MLM "frequent-word plateau" on a synthetic task, bertlab side (bench/plateau_torch.py is the PyTorch side):
// ids count upwards (1000 + (s0 + j) mod 100), 15% replaced by [MASK]; a context-free model scores ~1%, one that
// reads its left neighbour 100%. hidden 128, 2 layers, b32 s64, dropout 0, AdamW + clipping, linear warmup/decay.
//   node --import tsx bench/plateau.ts STEPS PEAK_LR        e.g. 1500 1e-3 (escapes near step 700; torch near 950)
import { ready } from "../src/backend";
import { OnnxTrainStep, weights_from_tensors } from "../src/engines";
import { BertForMaskedLM, manual_seed } from "../src/models";
(async () => {
  await ready();
  manual_seed(1);
  const cfg = { vocab_size: 1200, hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, max_position_embeddings: 128, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
  const model = new BertForMaskedLM(cfg as any);
  const names = model.named_parameters().map(([n]) => n);
  const ort = await OnnxTrainStep.create({ config: model.config, weights: weights_from_tensors(model.state_dict()), architecture: "BertForMaskedLM", max_grad_norm: 1, seed: 1, threads: 1,
    dropout: { hidden: 0, attention: 0 }, param_groups: [{ params: names, lr: 0, betas: [0.9, 0.999], eps: 1e-6, weight_decay: 0.01 }] } as any);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const B = 32, S = 64, steps = Number(process.argv[2]), peak = Number(process.argv[3]);
  for (let step = 1; step <= steps; step++) {
    const ids: number[][] = [], labels: number[][] = [];
    for (let b = 0; b < B; b++) {
      const s0 = Math.floor(rnd() * 100);
      const row = [101], lab = [-100];
      for (let j = 1; j < S - 1; j++) {
        const t = 1000 + ((s0 + j) % 100);
        if (rnd() < 0.15) { row.push(103); lab.push(t); } else { row.push(t); lab.push(-100); }
      }
      row.push(102); lab.push(-100);
      ids.push(row); labels.push(lab);
    }
    ort.param_groups[0].lr = peak * Math.min(1, step / 30) * (1 - step / (steps + 1));
    const r: any = await ort.step({ input_ids: ids, token_type_ids: ids.map((r) => r.map(() => 0)), attention_mask: ids.map((r) => r.map(() => 1)), labels });
    const want = labels.flat().filter((l) => l !== -100);
    const hits = want.filter((l, i) => r.mlm_predictions[i] === l).length;
    if (step % 150 === 0 || step === 1) console.log(`step ${step} loss ${r.loss.toFixed(3)} acc ${(100 * hits / want.length).toFixed(1)}%`);
  }
  await ort.dispose();
})();
