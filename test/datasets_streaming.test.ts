// load_dataset(..., { streaming: true }) (issue 25 item 5): an IterableDataset read while iterated — CSV / JSON Lines
// / text line by line, Parquet by row group — whose map / filter / take / skip / shuffle are lazy. The memory bound
// on a 1 GB CSV is a bench row (bench/datasets_stream.ts), not a unit test.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as util from "node:util";
import { load_dataset, Dataset, IterableDataset } from "../src/datasets";

const temps: string[] = [];
after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });
const dir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-stream-")); temps.push(d); return d; };

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const ROWS = Array.from({ length: 25 }, (_, i) => ({ text: `review number ${i}, "quoted"`, label: i % 3 === 0 ? 1 : 0, score: i / 4 }));

test("CSV, JSON Lines, text and Parquet stream the same rows load_dataset reads into memory", async () => {
  const d = dir();
  const ds = Dataset.from_list(ROWS);
  await ds.to_csv(path.join(d, "r.csv"));
  await ds.to_json(path.join(d, "r.jsonl"));
  await ds.to_parquet(path.join(d, "r.parquet"));
  fs.writeFileSync(path.join(d, "r.txt"), "one\n\nthree\n");
  for (const [builder, file] of [["csv", "r.csv"], ["json", "r.jsonl"], ["parquet", "r.parquet"]] as const) {
    const stream = await load_dataset(builder, { data_files: path.join(d, file), split: "train", streaming: true });
    assert.ok(stream instanceof IterableDataset);
    assert.deepEqual(await collect(stream), ROWS, builder);
  }
  const text = await load_dataset("text", { data_files: path.join(d, "r.txt"), streaming: true });
  assert.deepEqual(await collect(text.train), [{ text: "one" }, { text: "" }, { text: "three" }]);
  assert.equal(util.inspect(text.train), "IterableDataset({\n    features: Unknown,\n    num_shards: 1\n})");
});

test("Parquet streams row group by row group", async () => {
  const d = dir();
  const { parquetWriteBuffer } = await (new Function("s", "return import(s)") as (s: string) => Promise<any>)("hyparquet-writer");
  const n = 95;
  const buf = parquetWriteBuffer({ columnData: [{ name: "id", data: Int32Array.from({ length: n }, (_, i) => i), type: "INT32" }, { name: "text", data: Array.from({ length: n }, (_, i) => `t${i}`), type: "STRING" }], rowGroupSize: 20 });
  fs.writeFileSync(path.join(d, "g.parquet"), new Uint8Array(buf));
  const { open_parquet } = await import("../src/datasets/readers");
  const pq = await open_parquet(path.join(d, "g.parquet"));
  assert.deepEqual(pq.groups, [20, 20, 20, 20, 15]);
  pq.close();
  const stream = await load_dataset("parquet", { data_files: path.join(d, "g.parquet"), split: "train", streaming: true });
  const rows = await collect(stream);
  assert.deepEqual(rows.map((r) => r.id), Array.from({ length: n }, (_, i) => i));
  assert.deepEqual(await collect(stream.skip(41).take(2)), [{ id: 41, text: "t41" }, { id: 42, text: "t42" }]);
});

test("map, filter, take, skip and shuffle are lazy: nothing runs until the rows are pulled", async () => {
  const d = dir();
  await Dataset.from_list(ROWS).to_json(path.join(d, "r.jsonl"));
  const stream = await load_dataset("json", { data_files: path.join(d, "r.jsonl"), split: "train", streaming: true });
  let calls = 0;
  const mapped = stream.map((r: any) => { calls++; return { n: r.text.length }; }, { remove_columns: "score" });
  assert.equal(calls, 0, "map() alone reads nothing");
  const first = await collect(mapped.take(3));
  assert.equal(calls, 3, "take(3) pulled three rows through map");
  assert.deepEqual(first[0], { text: ROWS[0].text, label: 1, n: ROWS[0].text.length });
  let batches = 0;
  const batched = stream.map((b: any) => { batches++; return { upper: b.text.map((t: string) => t.toUpperCase()) }; }, { batched: true, batch_size: 10, remove_columns: ["text", "score"] });
  const all = await collect(batched);
  assert.equal(batches, 3);
  assert.deepEqual(all[24], { label: 1, upper: ROWS[24].text.toUpperCase() });
  const pos = await collect(stream.filter((r: any) => r.label === 1));
  assert.equal(pos.length, 9);
  const shuffled = (await collect(stream.shuffle({ seed: 1, buffer_size: 8 }))).map((r: any) => r.text);
  assert.deepEqual(shuffled, (await collect(stream.shuffle({ seed: 1, buffer_size: 8 }))).map((r: any) => r.text), "same seed, same order");
  assert.notDeepEqual(shuffled, ROWS.map((r) => r.text));
  assert.deepEqual([...shuffled].sort(), ROWS.map((r) => r.text).sort());
  const batches_of = await collect(stream.iter({ batch_size: 10 }));
  assert.deepEqual(batches_of.map((b) => b.text.length), [10, 10, 5]);
  assert.equal((await mapped.to_dataset()).num_rows, 25);
});

test("streaming errors name the file and line", async () => {
  const d = dir();
  fs.writeFileSync(path.join(d, "bad.jsonl"), '{"a": 1}\n{"a": 2\n');
  fs.writeFileSync(path.join(d, "bad.csv"), "a,b\n1,2\n3,4,5\n");
  const j = await load_dataset("json", { data_files: path.join(d, "bad.jsonl"), split: "train", streaming: true });
  await assert.rejects(collect(j), /bad\.jsonl: line 2 is not valid JSON/);
  const c = await load_dataset("csv", { data_files: path.join(d, "bad.csv"), split: "train", streaming: true });
  await assert.rejects(collect(c), /bad\.csv: line 3/);
});
