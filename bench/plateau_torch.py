"""The synthetic successor task of bench/plateau.ts in plain torch (peer_torch.MaskedLM), same recipe.
Usage: /usr/bin/python3 bench/plateau_torch.py STEPS PEAK_LR"""
import os, random, sys
import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_torch import MaskedLM
torch.manual_seed(1); torch.set_num_threads(1)
c = dict(vocab_size=1200, hidden_size=128, num_hidden_layers=2, num_attention_heads=4, intermediate_size=512, max_position_embeddings=128, type_vocab_size=2)
m = MaskedLM(c).train()
steps, peak = int(sys.argv[1]), float(sys.argv[2])
opt = torch.optim.AdamW(m.parameters(), lr=peak, eps=1e-6, weight_decay=0.01)
rnd = random.Random(12345)
B, S = 32, 64
for step in range(1, steps + 1):
    ids, pos, tgt = [], [], []
    for b in range(B):
        s0 = rnd.randrange(100); row = [101]
        for j in range(1, S - 1):
            t = 1000 + (s0 + j) % 100
            if rnd.random() < 0.15: row.append(103); pos.append(b * S + j); tgt.append(t)
            else: row.append(t)
        row.append(102); ids.append(row)
    ids = torch.tensor(ids); pos = torch.tensor(pos); tgt = torch.tensor(tgt)
    for g in opt.param_groups: g["lr"] = peak * min(1, step / 30) * (1 - step / (steps + 1))
    opt.zero_grad()
    logits = m.logits(ids, torch.ones_like(ids), torch.zeros_like(ids), pos)
    loss = F.cross_entropy(logits, tgt)
    loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    if step % 25 == 0 or step == 1:
        print(f"step {step} loss {loss.item():.3f} acc {100 * (logits.argmax(-1) == tgt).float().mean().item():.1f}%", flush=True)
