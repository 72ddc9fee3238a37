// Reverse-mode differentiation over ONNX nodes, by hand: each differentiable op below writes its forward
// nodes and records a closure that writes its backward nodes; `backward(loss)` replays the closures in
// reverse, summing gradients of tensors used twice (residuals, the tied decoder). The ops are coarse —
// a Linear, a LayerNorm, one whole attention core — so the backward graph is the hand-derived one
// (plain MatMul / Gemm with transposes, no framework in between). Rows are 2-D [N, features] with
// N = batch·seq unless a comment says otherwise.
import { FLOAT, GraphBuilder } from "./graph";

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** A layer's relative position table for `attentionCore` (HF's distance_embedding). */
export interface RelativePositions {
  /** The distance_embedding weight [2P − 1, headDim]. */
  table: string;
  /** max_position_embeddings. */
  P: number;
  headDim: number;
  /** relative_key_query (true) or relative_key (false). */
  keyQuery: boolean;
}

export class Tape {
  private steps: (() => void)[] = [];
  private grads = new Map<string, string>();
  private dropoutSeed: number;

  constructor(readonly g: GraphBuilder, seed = 0) {
    this.dropoutSeed = seed;
  }

  /** The gradient of `x` accumulated so far (undefined: x does not reach the loss). */
  gradOf(x: string): string | undefined {
    return this.grads.get(x);
  }

  /** Adds `dx` into the gradient of `x`. */
  addGrad(x: string, dx: string): void {
    const prev = this.grads.get(x);
    this.grads.set(x, prev ? this.g.op("Add", [prev, dx], undefined, "grad_sum") : dx);
  }

  /** Sets the gradient of `x` (an op whose backward already folded the previous value in). */
  setGrad(x: string, dx: string): void {
    this.grads.set(x, dx);
  }

  /** Records the backward of an op with output `y`: run (in reverse) only when a gradient reached `y`. */
  private record(y: string, fn: (dy: string) => void): void {
    this.steps.push(() => {
      const dy = this.grads.get(y);
      if (dy) fn(dy);
    });
  }

  /** Seeds d(loss)/d(loss) = 1 and runs every recorded backward step in reverse. */
  backward(loss: string): void {
    this.grads.set(loss, this.g.constFloat(1));
    for (let i = this.steps.length - 1; i >= 0; i--) this.steps[i]();
    this.steps = [];
  }

  /** Sum over the rows of a [N, F] gradient → [F] (a bias gradient). */
  private sumRows(dy: string): string {
    return this.g.op("ReduceSum", [dy, this.g.constInt64([0])], { keepdims: 0 }, "sum_rows");
  }

  /** torch.nn.Linear: y = x·Wᵀ + b with W [out, in] as given (Gemm transB); x [N, in] → [N, out]. */
  linear(x: string, W: string, b: string): string {
    const { g } = this;
    const y = g.op("Gemm", [x, W, b], { transB: 1 }, "linear");
    this.record(y, (dy) => {
      this.addGrad(W, g.op("Gemm", [dy, x], { transA: 1 }, "dW")); // [out, in] = dyᵀ·x
      this.addGrad(b, this.sumRows(dy));
      this.addGrad(x, g.op("MatMul", [dy, W], undefined, "dx")); // [N, in] = dy·W
    });
    return y;
  }

  /** LayerNorm over the last axis of [N, H]; backward from the saved mean and 1/σ. */
  layerNorm(x: string, gamma: string, beta: string, eps: number): string {
    const { g } = this;
    const [y, mean, rstd] = g.node("LayerNormalization", [x, gamma, beta], { outputs: 3, attrs: { axis: -1, epsilon: { f: eps } }, hint: "ln" }); // y [N, H], mean / rstd [N, 1]
    this.record(y, (dy) => {
      const xhat = g.op("Mul", [g.op("Sub", [x, mean]), rstd], undefined, "xhat"); // [N, H]
      this.addGrad(gamma, this.sumRows(g.op("Mul", [dy, xhat])));
      this.addGrad(beta, this.sumRows(dy));
      const dxhat = g.op("Mul", [dy, gamma]); // [N, H]
      const meanLast = (t: string) => g.op("ReduceMean", [t], { axes: [-1], keepdims: 1 }); // [N, 1]
      const inner = g.op("Sub", [g.op("Sub", [dxhat, meanLast(dxhat)]), g.op("Mul", [xhat, meanLast(g.op("Mul", [dxhat, xhat]))])]);
      this.addGrad(x, g.op("Mul", [inner, rstd], undefined, "ln_dx"));
    });
    return y;
  }

  /** Concat of `parts` (sizes along `axis`); backward splits the gradient back into them. */
  concat(parts: string[], axis: number, sizes: number[]): string {
    const { g } = this;
    const y = g.op("Concat", parts, { axis }, "concat");
    this.record(y, (dy) => {
      const pieces = g.node("Split", [dy, g.constInt64(sizes)], { outputs: parts.length, attrs: { axis }, hint: "split_grad" });
      parts.forEach((p, j) => this.addGrad(p, pieces[j]));
    });
    return y;
  }

  /** a + b, same shapes. */
  add(a: string, b: string): string {
    const y = this.g.op("Add", [a, b]);
    this.record(y, (dy) => {
      this.addGrad(a, dy);
      this.addGrad(b, dy);
    });
    return y;
  }

  /** The exact (erf) GELU, x·Φ(x); backward Φ(x) + x·φ(x). */
  gelu(x: string): string {
    const { g } = this;
    const cdf = g.op("Mul", [g.op("Add", [g.op("Erf", [g.op("Mul", [x, g.constFloat(SQRT1_2)])]), g.constFloat(1)]), g.constFloat(0.5)], undefined, "gelu_cdf");
    const y = g.op("Mul", [x, cdf], undefined, "gelu");
    this.record(y, (dy) => {
      const pdf = g.op("Mul", [g.op("Exp", [g.op("Mul", [g.op("Mul", [x, x]), g.constFloat(-0.5)])]), g.constFloat(INV_SQRT_2PI)]);
      this.addGrad(x, g.op("Mul", [dy, g.op("Add", [cdf, g.op("Mul", [x, pdf])])], undefined, "gelu_dx"));
    });
    return y;
  }

  tanh(x: string): string {
    const { g } = this;
    const y = g.op("Tanh", [x]);
    this.record(y, (dy) => {
      this.addGrad(x, g.op("Mul", [dy, g.op("Sub", [g.constFloat(1), g.op("Mul", [y, y])])], undefined, "tanh_dx"));
    });
    return y;
  }

  /**
   * Inverted dropout (ONNX Dropout in training mode: keeps with probability 1 − p, scales by 1/(1 − p));
   * the backward multiplies by the same mask. p = 0: the identity, no node. Each node gets its own
   * seed (the build seed + its index), and ORT advances its generator from run to run.
   */
  dropout(x: string, p: number): string {
    if (!(p > 0)) return x;
    const { g } = this;
    const ratio = g.constFloat(p);
    const on = g.initBool(g.fresh("training_mode"), true);
    const [y, mask] = g.node("Dropout", [x, ratio, on], { outputs: 2, attrs: { seed: this.dropoutSeed++ }, hint: "dropout" });
    this.record(y, (dy) => {
      const keep = g.op("Cast", [mask], { to: FLOAT }, "keep");
      this.addGrad(x, g.op("Mul", [g.op("Mul", [dy, keep]), g.constFloat(1 / (1 - p))], undefined, "dropout_dx"));
    });
    return y;
  }

  /**
   * Rows of `table` [V, H] at `ids` (any int64 shape) → [..ids, H]. Backward: scatter-add of the rows'
   * gradient into the table's gradient (into the one already there, e.g. a tied decoder's, else zeros).
   */
  embedding(table: string, ids: string, rows: number, cols: number): string {
    const { g } = this;
    const y = g.op("Gather", [table, ids], undefined, "emb");
    this.record(y, (dy) => {
      const idx = g.op("Unsqueeze", [ids, g.constInt64([-1])]); // [..ids, 1]
      const base = this.grads.get(table) ?? this.zeros([rows, cols]);
      this.setGrad(table, g.op("ScatterND", [base, idx, dy], { reduction: "add" }, "emb_grad"));
    });
    return y;
  }

  /** A float zeros tensor of a fixed shape. */
  zeros(dims: number[]): string {
    return this.g.op("ConstantOfShape", [this.g.constInt64(dims)], { value: { tensor: { dataType: FLOAT, dims: [1], floatData: [0] } } }, "zeros");
  }

  /** The first rows [seqLen, H] of a [P, H] table (absolute positions); backward pads the gradient back to [P, H]. */
  firstRows(table: string, seqVec: string, P: number): string {
    const { g } = this;
    const y = g.op("Slice", [table, g.constInt64([0]), seqVec, g.constInt64([0])], undefined, "first_rows"); // [seq, H]
    this.record(y, (dy) => {
      const rest = g.op("Sub", [g.constInt64([P]), seqVec]); // [1] = P − seq
      const pads = g.op("Concat", [g.constInt64([0, 0]), rest, g.constInt64([0])], { axis: 0 }); // [0, 0, P − seq, 0]
      this.addGrad(table, g.op("Pad", [dy, pads], undefined, "rows_pad"));
    });
    return y;
  }

  /** x [B, S, H] + pos [S, H] broadcast over the batch; backward sums the batch for pos. */
  addBroadcastRows(x: string, pos: string): string {
    const { g } = this;
    const y = g.op("Add", [x, pos]);
    this.record(y, (dy) => {
      this.addGrad(x, dy);
      this.addGrad(pos, g.op("ReduceSum", [dy, g.constInt64([0])], { keepdims: 0 }));
    });
    return y;
  }

  /** Reshape (the gradient is reshaped back to the input's runtime shape). */
  reshape(x: string, shape: string): string {
    const { g } = this;
    const y = g.op("Reshape", [x, shape]);
    this.record(y, (dy) => {
      this.addGrad(x, g.op("Reshape", [dy, g.op("Shape", [x])]));
    });
    return y;
  }

  /** Rows of x [N, H] at `positions` [M] → [M, H]; backward scatter-adds into zeros shaped like x. */
  gatherRows(x: string, positions: string): string {
    const { g } = this;
    const y = g.op("Gather", [x, positions], { axis: 0 }, "rows");
    this.record(y, (dy) => {
      const zeros = g.op("Mul", [x, g.constFloat(0)]); // zeros of x's runtime shape
      const idx = g.op("Unsqueeze", [positions, g.constInt64([1])]); // [M, 1]
      this.addGrad(x, g.op("ScatterND", [zeros, idx, dy], { reduction: "add" }, "rows_grad"));
    });
    return y;
  }

  /** Row 0 of each sequence: x [B, S, H] → [B, H] (BertPooler's first token); backward pads the sequence axis. */
  firstToken(x: string, seqVec: string): string {
    const { g } = this;
    const y = g.op("Gather", [x, g.constInt64([0], true)], { axis: 1 }, "cls_token");
    this.record(y, (dy) => {
      const rest = g.op("Sub", [seqVec, g.constInt64([1])]); // [1] = S − 1
      const pads = g.op("Concat", [g.constInt64([0, 0, 0, 0]), rest, g.constInt64([0])], { axis: 0 }); // pad the end of axis 1
      this.addGrad(x, g.op("Pad", [g.op("Unsqueeze", [dy, g.constInt64([1])]), pads], undefined, "cls_pad"));
    });
    return y;
  }

  /**
   * Scaled dot-product attention of one layer from the fused projection qkv [N, 3H] → context [N, H],
   * with HF's additive mask [B, 1, 1, S] and dropout `p` on the probabilities. `bshd` is the int64
   * shape [B, S, heads, head_dim]. `rel`: HF's relative_key / relative_key_query scores from the layer's
   * distance_embedding table [2P − 1, head_dim] (see `relativeScores`).
   */
  attentionCore(qkv: string, maskAdd: string, bshd: string, H: number, headDim: number, p: number, rel?: RelativePositions): string {
    const { g } = this;
    const [q, k, v] = g.node("Split", [qkv, g.constInt64([H, H, H])], { outputs: 3, attrs: { axis: 1 }, hint: "qkv" }); // [N, H] each
    const heads = (t: string) => g.op("Transpose", [g.op("Reshape", [t, bshd])], { perm: [0, 2, 1, 3] }); // [B, nh, S, d]
    const [qh, kh, vh] = [heads(q), heads(k), heads(v)];
    const scale = g.constFloat(1 / Math.sqrt(headDim));
    const kT = g.op("Transpose", [kh], { perm: [0, 1, 3, 2] }); // [B, nh, d, S]
    let raw = g.op("MatMul", [qh, kT]); // [B, nh, S, S]
    const relative = rel ? this.relativeScores(qh, kh, bshd, rel) : undefined;
    if (relative) raw = g.op("Add", [raw, relative.scores]);
    const scores = g.op("Add", [g.op("Mul", [raw, scale]), maskAdd], undefined, "scores"); // [B, nh, S, S]
    const probs = g.op("Softmax", [scores], { axis: -1 }, "probs");
    let kept = probs;
    let keepScaled: string | undefined;
    if (p > 0) {
      const on = g.initBool(g.fresh("training_mode"), true);
      const [y, mask] = g.node("Dropout", [probs, g.constFloat(p), on], { outputs: 2, attrs: { seed: this.dropoutSeed++ }, hint: "attn_dropout" });
      kept = y;
      keepScaled = g.op("Mul", [g.op("Cast", [mask], { to: FLOAT }), g.constFloat(1 / (1 - p))]);
    }
    const ctxh = g.op("MatMul", [kept, vh], undefined, "context"); // [B, nh, S, d]
    const NH = g.constInt64([-1, H]);
    const ctx = g.op("Reshape", [g.op("Transpose", [ctxh], { perm: [0, 2, 1, 3] }), NH], undefined, "ctx"); // [N, H]
    this.record(ctx, (dctx) => {
      const dctxh = heads(dctx); // [B, nh, S, d]
      let dprobs = g.op("MatMul", [dctxh, g.op("Transpose", [vh], { perm: [0, 1, 3, 2] })]); // [B, nh, S, S]
      const dvh = g.op("MatMul", [g.op("Transpose", [kept], { perm: [0, 1, 3, 2] }), dctxh]); // [B, nh, S, d]
      if (keepScaled) dprobs = g.op("Mul", [dprobs, keepScaled]);
      const rowDot = g.op("ReduceSum", [g.op("Mul", [dprobs, probs]), g.constInt64([-1])], { keepdims: 1 }); // [B, nh, S, 1]
      const dscores = g.op("Mul", [g.op("Mul", [probs, g.op("Sub", [dprobs, rowDot])]), scale], undefined, "dscores"); // [B, nh, S, S]
      let dqh = g.op("MatMul", [dscores, kh]); // [B, nh, S, d]
      let dkh = g.op("MatMul", [g.op("Transpose", [dscores], { perm: [0, 1, 3, 2] }), qh]); // [B, nh, S, d]
      if (relative) [dqh, dkh] = relative.backward(dscores, dqh, dkh);
      const rows = (t: string) => g.op("Reshape", [g.op("Transpose", [t], { perm: [0, 2, 1, 3] }), NH]); // [N, H]
      this.addGrad(qkv, g.op("Concat", [rows(dqh), rows(dkh), rows(dvh)], { axis: 1 }, "dqkv")); // [N, 3H]
    });
    return ctx;
  }

  /**
   * HF's relative position scores (BertSelfAttention with position_embedding_type relative_key / relative_key_query):
   * R[l, r] = distance_embedding[l − r + P − 1] → [S, S, d]; relative_key adds q_l · R[l, r], relative_key_query also
   * k_r · R[l, r], to the raw q · k scores (before the 1/√d scale). Each einsum is a MatMul batched over one sequence
   * axis. `backward` adds their share to dq / dk and sends dR to the table through the Gather's scatter-add.
   */
  relativeScores(qh: string, kh: string, bshd: string, rel: RelativePositions): { scores: string; backward: (dscores: string, dqh: string, dkh: string) => [string, string] } {
    const { g } = this;
    const { P, keyQuery, table } = rel;
    const S = g.op("Squeeze", [g.op("Gather", [bshd, g.constInt64([1])], { axis: 0 }), g.constInt64([0])]); // scalar S
    const ar = g.op("Range", [g.constInt64([0], true), S, g.constInt64([1], true)]); // [S]
    const dist = g.op("Sub", [g.op("Unsqueeze", [ar, g.constInt64([1])]), g.op("Unsqueeze", [ar, g.constInt64([0])])]); // [S, S] = l − r
    const R = this.embedding(table, g.op("Add", [dist, g.constInt64([P - 1], true)]), 2 * P - 1, rel.headDim); // [S, S, d]
    const shape = g.op("Shape", [qh]); // [B, nh, S, d]
    const seqFirst = g.op("Gather", [shape, g.constInt64([2, 0, 1, 3])], { axis: 0 }); // [S, B, nh, d]
    const flat = g.constInt64([0, -1, rel.headDim]); // [S, B·nh, d]
    const bySeq = (t: string) => g.op("Reshape", [g.op("Transpose", [t], { perm: [2, 0, 1, 3] }), flat]); // [B, nh, S, d] → [S, B·nh, d]
    const unSeq = (t: string) => g.op("Transpose", [g.op("Reshape", [t, seqFirst])], { perm: [1, 2, 0, 3] }); // [S, B·nh, d] → [B, nh, S, d]
    const scoreShape = g.op("Concat", [g.op("Gather", [shape, g.constInt64([2, 0, 1])], { axis: 0 }), g.op("Gather", [shape, g.constInt64([2])], { axis: 0 })], { axis: 0 }); // [S, B, nh, S]
    const ql = bySeq(qh); // [l, B·nh, d]
    // q part: [l, B·nh, d] @ [l, d, r] → [l, B·nh, r] → [B, nh, l, r]
    let scores = g.op("Transpose", [g.op("Reshape", [g.op("MatMul", [ql, g.op("Transpose", [R], { perm: [0, 2, 1] })]), scoreShape])], { perm: [1, 2, 0, 3] }, "rel_q");
    const kr = keyQuery ? bySeq(kh) : ""; // [r, B·nh, d]
    if (keyQuery) {
      // k part: [r, B·nh, d] @ [r, d, l] → [r, B·nh, l] → [B, nh, l, r]
      const relK = g.op("Transpose", [g.op("Reshape", [g.op("MatMul", [kr, g.op("Transpose", [R], { perm: [1, 2, 0] })]), scoreShape])], { perm: [1, 2, 3, 0] }, "rel_k");
      scores = g.op("Add", [scores, relK]);
    }
    const backward = (dscores: string, dqh: string, dkh: string): [string, string] => {
      const flatS = g.op("Concat", [g.op("Unsqueeze", [S, g.constInt64([0])]), g.constInt64([-1]), g.op("Unsqueeze", [S, g.constInt64([0])])], { axis: 0 }); // [S, -1, S]
      const dl = g.op("Reshape", [g.op("Transpose", [dscores], { perm: [2, 0, 1, 3] }), flatS]); // [l, B·nh, r]
      const dq = g.op("Add", [dqh, unSeq(g.op("MatMul", [dl, R]))]); // [l, B·nh, r] @ [l, r, d]
      let dR = g.op("MatMul", [g.op("Transpose", [dl], { perm: [0, 2, 1] }), ql]); // [l, r, B·nh] @ [l, B·nh, d] → [l, r, d]
      let dk = dkh;
      if (keyQuery) {
        const dr = g.op("Reshape", [g.op("Transpose", [dscores], { perm: [3, 0, 1, 2] }), flatS]); // [r, B·nh, l]
        dk = g.op("Add", [dkh, unSeq(g.op("MatMul", [dr, g.op("Transpose", [R], { perm: [1, 0, 2] })]))]); // [r, B·nh, l] @ [r, l, d]
        const dRk = g.op("MatMul", [g.op("Transpose", [dr], { perm: [0, 2, 1] }), kr]); // [r, l, B·nh] @ [r, B·nh, d] → [r, l, d]
        dR = g.op("Add", [dR, g.op("Transpose", [dRk], { perm: [1, 0, 2] })]);
      }
      this.addGrad(R, dR);
      return [dq, dk];
    };
    return { scores, backward };
  }

  /**
   * torch.nn.functional.cross_entropy(logits [M, C], labels [M], ignore_index=-100), mean over the
   * labelled rows → scalar. Backward: (softmax − onehot) / count on labelled rows, 0 on ignored ones.
   */
  crossEntropy(logits: string, labels: string): string {
    const { g } = this;
    const valid = g.op("Not", [g.op("Equal", [labels, g.constInt64([-100], true)])]); // [M] bool
    const safe = g.op("Where", [valid, labels, g.constInt64([0], true)]); // ignored rows point at class 0
    const validF = g.op("Cast", [valid], { to: FLOAT }); // [M]
    const count = g.op("ReduceSum", [validF], { keepdims: 0 }, "label_count"); // scalar
    const logp = g.op("LogSoftmax", [logits], { axis: -1 }, "logp"); // [M, C]
    const idx = g.op("Unsqueeze", [safe, g.constInt64([1])]); // [M, 1]
    const picked = g.op("Squeeze", [g.op("GatherElements", [logp, idx], { axis: 1 }), g.constInt64([1])]); // [M]
    const loss = g.op("Div", [g.op("Neg", [g.op("ReduceSum", [g.op("Mul", [picked, validF])], { keepdims: 0 })]), count], undefined, "ce_loss");
    this.record(loss, (dl) => {
      const prob = g.op("Exp", [logp]); // softmax [M, C]
      const atLabel = g.op("Sub", [g.op("GatherElements", [prob, idx], { axis: 1 }), g.constFloat(1)]); // [M, 1]
      const diff = g.op("ScatterElements", [prob, idx, atLabel], { axis: 1 }); // softmax − onehot
      const rowScale = g.op("Unsqueeze", [g.op("Div", [g.op("Mul", [validF, dl]), count]), g.constInt64([1])]); // [M, 1]
      this.addGrad(logits, g.op("Mul", [diff, rowScale], undefined, "dlogits"));
    });
    return loss;
  }

  /** a + b of two scalars (the pre-training loss: MLM + NSP). */
  addScalars(a: string, b: string): string {
    return this.add(a, b);
  }
}
