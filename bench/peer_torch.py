"""PyTorch peer for `npm run bench`: the same workloads as the TypeScript side, in plain torch.

BERT is written out here with torch.nn (Linear, LayerNorm, exact erf GELU, softmax attention with
HF's additive mask) because transformers is not installed on this machine; the module layout and
FLOPs are those of transformers' BertModel / BertForSequenceClassification. Weights are random
(std 0.02), as on the TypeScript side.

Usage: python3 peer_torch.py '<json spec>'   → one JSON object per line on stdout.
Fair settings (applied by bench/peer.ts to this child only): OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
unset, OMP_WAIT_POLICY=PASSIVE, torch.set_num_threads(threads).
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h, heads, inter):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out, self.ln1 = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out, self.ln2 = nn.Linear(h, inter), nn.Linear(inter, h), nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, mask_add):
        b, s, h = x.shape
        d = h // self.heads
        split = lambda t: t.view(b, s, self.heads, d).permute(0, 2, 1, 3)  # (B, nh, T, hs)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask_add
        ctx = (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, s, h)
        a = self.ln1(self.attn_out(ctx) + x)
        return self.ln2(self.out(F.gelu(self.inter(a))) + a)


class Bert(nn.Module):
    def __init__(self, c, num_labels=0):
        super().__init__()
        h = c["hidden_size"]
        self.word = nn.Embedding(c["vocab_size"], h)
        self.pos = nn.Embedding(c["max_position_embeddings"], h)
        self.token_type = nn.Embedding(c["type_vocab_size"], h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(Layer(h, c["num_attention_heads"], c["intermediate_size"]) for _ in range(c["num_hidden_layers"]))
        self.pooler = nn.Linear(h, h)
        self.classifier = nn.Linear(h, num_labels) if num_labels else None
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, 0.02)
            if isinstance(m, nn.Linear):
                m.bias.data.zero_()

    def forward(self, ids, mask, types):
        s = ids.shape[1]
        x = self.ln(self.word(ids) + self.token_type(types) + self.pos(torch.arange(s))[None])
        mask_add = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, mask_add)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return x, pooled, (self.classifier(pooled) if self.classifier is not None else None)


class MaskedLM(nn.Module):
    """BertForMaskedLM's loss on the masked rows only (transform, tied decoder), as bertlab's ONNX train step
    and `masked_lm_loss` compute it: equal FLOPs on both sides (HF's model would run the decoder on every row)."""

    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.bert = Bert(c)
        self.transform, self.ln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))

    def logits(self, ids, mask, types, positions):
        x = self.bert(ids, mask, types)[0].reshape(-1, self.ln.normalized_shape[0])  # (B*T, h)
        rows = self.ln(F.gelu(self.transform(x[positions])))
        return rows @ self.bert.word.weight.t() + self.bias  # (masked, vocab)

    def forward(self, ids, mask, types, positions, targets):
        return F.cross_entropy(self.logits(ids, mask, types, positions), targets)


def train_setup(c, batch, seq, head):
    """A mini-BERT train step closure: forward + backward + torch.optim.AdamW (lr 5e-5, wd 0.01), dropout 0."""
    model = (MaskedLM(c) if head == "mlm" else Bert(c, num_labels=2)).train()
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    ids, mask, types = inputs(batch, seq, c["vocab_size"])
    labels = torch.arange(batch) % 2
    positions = torch.arange(0, batch * seq, 7)  # ~15 % of the rows, as the TypeScript side
    targets = ids.reshape(-1)[positions]

    def step():
        opt.zero_grad()
        loss = model(ids, mask, types, positions, targets) if head == "mlm" else F.cross_entropy(model(ids, mask, types)[2], labels)
        loss.backward()
        opt.step()
        return loss

    return step


def cpu_timed(fn, warmup, reps):
    """Median process CPU time (ms) per call: steadier than wall time on a busy machine."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t = time.process_time()
        fn()
        ts.append((time.process_time() - t) * 1000)
    ts.sort()
    return ts[len(ts) // 2], ts


def timed(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    return ts[len(ts) // 2], ts


def sgemm_gflops():
    """The rate of one dense-layer GEMM of a BERT-base b1 s128 forward, [128, 768] @ [768, 3072]."""
    a, b = torch.randn(128, 768), torch.randn(768, 3072)
    med, _ = timed(lambda: a @ b, 3, 11)
    return round(2 * 128 * 768 * 3072 / med / 1e6, 1)


def inputs(batch, seq, vocab):
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(1000, vocab, (batch, seq), generator=g)
    return ids, torch.ones(batch, seq, dtype=torch.long), torch.zeros(batch, seq, dtype=torch.long)


def serve():
    """Line protocol for alternating rounds (bench/interleaved.ts): one JSON request per stdin line.
    {"setup": id, "config": {...}, "batch": b, "seq": s, "quantize": bool} builds a model (int8:
    torch.quantization.quantize_dynamic on every nn.Linear, qint8 weights — PyTorch's own dynamic int8);
    {"time": id, "reps": n, "cpu": bool} runs n forwards and answers {"id", "times_ms"} (wall, or process CPU
    time with "cpu"); {"info": true} the sgemm rate;
    {"sgemm": true} the sgemm rate again (the alternating rounds time it beside ORT's).
    {"setup_train": id, "config", "batch", "seq", "head": "classification" | "mlm"} builds a train step
    (train_setup); {"train": id, "reps": n} runs n steps and answers {"id", "times_ms", "cpu_ms"}."""
    torch.manual_seed(0)
    models = {}
    for line in sys.stdin:
        req = json.loads(line)
        if "info" in req:
            print(json.dumps({"info": {"torch": torch.__version__, "threads": torch.get_num_threads(), "sgemm_gflops": sgemm_gflops(),
                              "quantized_engine": torch.backends.quantized.engine}}), flush=True)
        elif "sgemm" in req:
            print(json.dumps({"id": "sgemm", "gflops": sgemm_gflops()}), flush=True)
        elif "setup_train" in req:
            step = train_setup(req["config"], req["batch"], req["seq"], req.get("head", "classification"))
            step()  # warm-up
            models[req["setup_train"]] = step
            print(json.dumps({"id": req["setup_train"], "ok": True}), flush=True)
        elif "train" in req:
            step = models[req["train"]]
            ts, cpu = [], []
            for _ in range(req.get("reps", 1)):
                t, c0 = time.perf_counter(), time.process_time()
                step()
                ts.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            print(json.dumps({"id": req["train"], "times_ms": ts, "cpu_ms": cpu}), flush=True)
        elif "setup" in req:
            c = req["config"]
            model = Bert(c).eval()
            if req.get("quantize"):
                model = torch.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
            ids, mask, types = inputs(req["batch"], req["seq"], c["vocab_size"])
            models[req["setup"]] = (model, ids, mask, types)
            with torch.inference_mode():
                model(ids, mask, types)  # warm-up
            print(json.dumps({"id": req["setup"], "ok": True}), flush=True)
        elif "time" in req:
            model, ids, mask, types = models[req["time"]]
            clock = cpu_timed if req.get("cpu") else timed  # "cpu": process CPU ms instead of wall ms
            with torch.inference_mode():
                _, ts = clock(lambda: model(ids, mask, types), 0, req.get("reps", 1))
            print(json.dumps({"id": req["time"], "times_ms": ts}), flush=True)


def main():
    if sys.argv[1] == "--serve":
        torch.set_num_threads(int(sys.argv[2]))
        return serve()
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec.get("threads", 2))
    torch.manual_seed(0)
    out = lambda row: print(json.dumps(row), flush=True)
    # sgemm rate, to spot a reference BLAS (Debian's python3-torch uses whatever libblas.so.3 is
    # selected; without libopenblas0 it is the ~4 GFLOP/s reference implementation)
    out({"info": {"torch": torch.__version__, "threads": torch.get_num_threads(), "sgemm_gflops": sgemm_gflops()}})
    for job in spec["jobs"]:
        c = job["config"]
        if job["kind"] == "forward":
            model = Bert(c).eval()
            ids, mask, types = inputs(job["batch"], job["seq"], c["vocab_size"])
            with torch.inference_mode():
                med, ts = timed(lambda: model(ids, mask, types), job.get("warmup", 2), job.get("reps", 5))
        elif job["kind"] == "forward_cpu":  # CPU time per forward; run it in a threads=1 process
            model = Bert(c).eval()
            ids, mask, types = inputs(job["batch"], job["seq"], c["vocab_size"])
            with torch.inference_mode():
                med, ts = cpu_timed(lambda: model(ids, mask, types), job.get("warmup", 2), job.get("reps", 5))
        elif job["kind"] == "train":
            model = Bert(c, num_labels=2).train()
            for m in model.modules():  # dropout off on both sides: the step's arithmetic is what is compared
                if isinstance(m, nn.Dropout):
                    m.p = 0.0
            opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
            ids, mask, types = inputs(job["batch"], job["seq"], c["vocab_size"])
            labels = torch.arange(job["batch"]) % 2

            def step():
                opt.zero_grad()
                loss = F.cross_entropy(model(ids, mask, types)[2], labels)
                loss.backward()
                opt.step()

            med, ts = timed(step, job.get("warmup", 1), job.get("reps", 3))
        else:
            raise ValueError(f"unknown job kind {job['kind']!r}")
        out({"id": job["id"], "median_ms": med, "times_ms": ts})


if __name__ == "__main__":
    main()
