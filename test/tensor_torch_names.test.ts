// torch's tensor names on tfjs tensors (src/training/torch_tensor.ts): each against the value torch gives for the
// same call (written out below), no tensor leaked, and tfjs' own forms of max / min / squeeze unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready } from "../src/backend";
import "../src/training";
import { INDEX_HINT, INPLACE_HINT, REQUIRES_GRAD_HINT } from "../src/training/torch_tensor";

// t = torch.tensor([[1., 5., 3.], [7., 2., 9.]])
const T = [[1, 5, 3], [7, 2, 9]];

test("argmax / argmin (dim, keepdim, flattened), max(dim) / min(dim) as torch's named tuple, tfjs' max() unchanged", async () => {
  await ready();
  const t = tf.tensor2d(T);
  const n = tf.memory().numTensors;
  const got = (x: tf.Tensor) => { const v = x.arraySync(); x.dispose(); return v; };
  assert.deepEqual(got(t.argmax(-1)), [1, 2]); // t.argmax(-1) → tensor([1, 2])
  assert.deepEqual(got(t.argmax(0)), [1, 0, 1]);
  assert.deepEqual(got(t.argmax(1, true)), [[1], [2]]); // keepdim=True
  assert.equal(got(t.argmax()), 5); // flattened: tensor(5)
  assert.deepEqual(got(t.argmin(1)), [0, 1]);
  const m = t.max(1); // torch.return_types.max(values=tensor([5., 9.]), indices=tensor([1, 2]))
  assert.deepEqual(m.values.arraySync(), [5, 9]);
  assert.equal(m.values, m, "values is the reduced tensor itself");
  assert.deepEqual(m.indices.arraySync(), [1, 2]);
  assert.equal(m.indices.dtype, "int32");
  const [values, indices] = t.min(0); // values=tensor([1., 2., 3.]), indices=tensor([0, 1, 0])
  assert.deepEqual(values.arraySync(), [1, 2, 3]);
  assert.deepEqual(indices.arraySync(), [0, 1, 0]);
  const keep = t.max(-1, true);
  assert.deepEqual(keep.indices.shape, [2, 1]);
  tf.dispose([m, m.indices, values, indices, keep, keep.indices]);
  assert.equal(got(t.max()), 9, "tfjs' max(): a scalar, as torch's max()");
  assert.deepEqual(got(t.max([0, 1])), 9, "tfjs' axis lists still work");
  assert.equal(tf.memory().numTensors, n, "nothing leaked (indices are computed only when read)");
  assert.throws(() => t.argmax(2), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/);
  t.dispose();
});

test("dim / numel / view / permute / unsqueeze / squeeze(dim) / float / long / int as torch", async () => {
  await ready();
  const t = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]); // [1, 3, 2]
  const n = tf.memory().numTensors;
  assert.equal(t.dim(), 3);
  assert.equal(t.numel(), 6);
  const check = (x: tf.Tensor, shape: number[], values?: unknown) => {
    assert.deepEqual(x.shape, shape);
    if (values !== undefined) assert.deepEqual(x.arraySync(), values);
    x.dispose();
  };
  check(t.view(-1), [6], [1, 2, 3, 4, 5, 6]);
  check(t.view(3, 2), [3, 2]);
  check(t.view([2, -1]), [2, 3]);
  check(t.permute(2, 0, 1), [2, 1, 3], [[[1, 3, 5]], [[2, 4, 6]]]);
  check(t.permute(-1, 0, 1), [2, 1, 3]);
  check(t.unsqueeze(0), [1, 1, 3, 2]);
  check(t.unsqueeze(-1), [1, 3, 2, 1]);
  check(t.squeeze(0), [3, 2]);
  check(t.squeeze(1), [1, 3, 2], [[[1, 2], [3, 4], [5, 6]]]); // torch: a dim of size 3 is left as is
  check(t.squeeze(), [3, 2]);
  check(t.squeeze([0]), [3, 2]);
  const ids = tf.tensor1d([1.7, -2.2]);
  const long = ids.long();
  assert.equal(long.dtype, "int32");
  assert.deepEqual(long.arraySync(), [1, -2], "truncation toward zero, as torch's .long()");
  const back = long.float();
  assert.equal(back.dtype, "float32");
  tf.dispose([ids, long, back]);
  assert.throws(() => t.permute(0, 1), /number of dims don't match/);
  assert.equal(tf.memory().numTensors, n);
  t.dispose();
});

test("t.at(...) indexes as torch's t[...]: ints (negative too), slices, lists, '...', null; errors name the bad index", async () => {
  await ready();
  const t = tf.tensor3d([[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]]); // arange(24).view(2, 3, 4)
  const n = tf.memory().numTensors;
  const got = (x: tf.Tensor) => { const v = { shape: x.shape, v: x.arraySync() }; x.dispose(); return v; };
  assert.deepEqual(got(t.at(0)).shape, [3, 4]); // t[0]
  assert.deepEqual(got(t.at(1, 2)).v, [20, 21, 22, 23]); // t[1][2]
  assert.deepEqual(got(t.at(-1, -1, -1)).v, 23); // t[-1, -1, -1]
  assert.deepEqual(got(t.at(":", 0, [1, 3])).v, [[1, 3], [13, 15]]); // t[:, 0, [1, 3]]
  assert.deepEqual(got(t.at(0, "1:")).v, [[4, 5, 6, 7], [8, 9, 10, 11]]); // t[0, 1:]
  assert.deepEqual(got(t.at(0, 0, "::2")).v, [0, 2]); // t[0, 0, ::2]
  assert.deepEqual(got(t.at(0, 0, "-2:")).v, [2, 3]); // t[0, 0, -2:]
  assert.deepEqual(got(t.at("...", 0)).v, [[0, 4, 8], [12, 16, 20]]); // t[..., 0]
  assert.deepEqual(got(t.at(null, 0)).shape, [1, 3, 4]); // t[None, 0]
  assert.deepEqual(got(t.at(0, [2, 0], 1)).v, [9, 1]); // t[0, [2, 0], 1]
  assert.throws(() => t.at(2), /index 2 is out of bounds for dimension 0 with size 2/);
  assert.throws(() => t.at(0, 0, 0, 0), /too many indices for tensor of dimension 3/);
  assert.throws(() => t.at("a"), /"a" is not an index/);
  assert.equal(tf.memory().numTensors, n, "no intermediate left behind");
  t.dispose();
});

test("t[0] and torch's in-place / requires_grad methods fail at run time saying what to write", async () => {
  await ready();
  const t = tf.tensor2d(T);
  const any = t as unknown as Record<string, unknown> & Record<number, unknown>;
  assert.throws(() => any[0], (e: Error) => e.message.startsWith(INDEX_HINT) && e.message.endsWith("(got t[0])"));
  assert.throws(() => any[-1], /write t\.at\(i\)/);
  assert.throws(() => (any.zero_ as () => void).call(t), { message: INPLACE_HINT });
  assert.throws(() => (any.requires_grad_ as () => void).call(t), { message: REQUIRES_GRAD_HINT });
  assert.equal(typeof any.size, "number", "tfjs' size (the element count) is untouched");
  // tensors still print, spread into arrays, and pass through tfjs containers
  assert.match(t.toString(), /Tensor/);
  assert.equal(tf.tidy(() => tf.stack([t, t]).shape[0]), 2);
  t.dispose();
});
