// bench/stream_load.ts (prototype loader: safetensors read tensor by tensor into the wasm heap)
// gives exactly what readSafetensors gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { readSafetensors } from "../src/hub/safetensors";
import { streamSafetensorsToWasm } from "../bench/stream_load";

test("streamSafetensorsToWasm reads every tensor exactly (golden bert_model)", async () => {
  const info = await ready();
  if (info.name !== "wasm") return; // the prototype writes into the wasm heap only
  const file = path.join(__dirname, "fixtures", "models", "bert_model", "model.safetensors");
  const want = readSafetensors(file).tensors;
  const before = tf.memory().numTensors;
  const got = streamSafetensorsToWasm(file);
  assert.equal(got.size, want.size);
  for (const [name, t] of want) {
    const g = got.get(name);
    assert.ok(g, `missing ${name}`);
    assert.deepEqual(g.shape, t.shape, name);
    assert.deepEqual(Array.from(g.dataSync()), Array.from(t.data), name);
  }
  tf.dispose([...got.values()]);
  assert.equal(tf.memory().numTensors, before);
});
