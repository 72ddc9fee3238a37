// load_dataset / Dataset / DatasetDict (issue 25 items 3, 4, 6): CSV, JSON Lines, JSON, text and Parquet files
// through data_files (path, list, glob, { train, test }); the Dataset methods with datasets' rules; writes that are
// all-or-nothing; a Dataset straight into a DataCollator and the Trainer; errors that name the line, the rows, the
// files; and a Truncated Parquet file refused from its frame.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as util from "node:util";
import { load_dataset, Dataset, DatasetDict, check_parquet_frame, concatenate_datasets } from "../src/datasets";
import { tf, ready } from "../src/backend";
import { BertTokenizer } from "../src/tokenizers";
import { BertForSequenceClassification } from "../src/models";
import { Trainer } from "../src/training/trainer_api";
import { DataCollatorWithPadding } from "../src/training/collators";
import { FileFormatError } from "../src/utils/read_file";

/** A tiny random-weight BertForSequenceClassification with the real uncased vocabulary (a golden test checkpoint). */
const TINY_CLASSIFIER = path.join(__dirname, "fixtures", "checkpoints", "text_classification");
const temps: string[] = [];
after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });
function folder(files: Record<string, string | Uint8Array>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-datasets-"));
  temps.push(d);
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
    fs.writeFileSync(path.join(d, name), body);
  }
  return d;
}

const CSV = 'text,label\n"a fine film, really",1\nawful,0\n"he said ""meh""",0\ngreat fun,1\nslow,0\n';
const JSONL = '{"text": "loved it", "label": 1}\n{"text": "hated it", "label": 0}\n\n{"text": "ok", "label": 1}\n';

test("csv: data_files as a path, a list, a glob and { train, test }; features, rows, columns, iteration", async () => {
  const d = folder({ "train.csv": CSV, "more/train2.csv": "text,label\nextra,1\n", "test.csv": "text,label\nmeh,0\nfab,1\n" });
  const dd = await load_dataset("csv", { data_files: path.join(d, "train.csv") });
  assert.ok(dd instanceof DatasetDict);
  assert.deepEqual(dd.keys(), ["train"]);
  const ds: Dataset = dd.train;
  assert.equal(ds.num_rows, 5);
  assert.deepEqual(ds.column_names, ["text", "label"]);
  assert.equal(util.inspect(ds.features), "{'text': Value(dtype='string', id=None), 'label': Value(dtype='int64', id=None)}");
  assert.deepEqual(ds[0], { text: "a fine film, really", label: 1 });
  assert.deepEqual(ds.get(-1), { text: "slow", label: 0 });
  assert.deepEqual(ds[2], { text: 'he said "meh"', label: 0 });
  assert.deepEqual(ds["label"], [1, 0, 0, 1, 0]);
  assert.deepEqual([...ds].map((r) => r.text), ["a fine film, really", "awful", 'he said "meh"', "great fun", "slow"]);
  assert.deepEqual(ds.slice(1, 3), { text: ["awful", 'he said "meh"'], label: [0, 0] });
  assert.throws(() => ds.get(5), /index 5 is out of bounds for a dataset of 5 rows/);

  const listed = await load_dataset("csv", { data_files: [path.join(d, "train.csv"), path.join(d, "more/train2.csv")], split: "train" });
  assert.equal(listed.num_rows, 6);
  const globbed = await load_dataset("csv", { data_files: "**/train*.csv", data_dir: d, split: "train" });
  assert.deepEqual([globbed.num_rows, globbed["text"][0]], [6, "extra"], "the glob's files in path order: more/train2.csv, then train.csv");
  const both = await load_dataset("csv", { data_files: { train: "train.csv", test: "test.csv" }, data_dir: d });
  assert.deepEqual(both.num_rows, { train: 5, test: 2 });
  assert.equal(both.test.split, "test");
  const sliced = await load_dataset("csv", { data_files: { train: "train.csv" }, data_dir: d, split: "train[1:3]" });
  assert.deepEqual(sliced["text"], ["awful", 'he said "meh"']);
  const pct = await load_dataset("csv", { data_files: { train: "train.csv" }, data_dir: d, split: "train[:40%]" });
  assert.equal(pct.num_rows, 2);
  await assert.rejects(load_dataset("csv", { data_files: { train: "train.csv" }, data_dir: d, split: "validation" }), /unknown split 'validation'; the data has \['train'\]/);
});

test("json: JSON Lines (blank lines skipped), a JSON array, rows under a field; text: one row per line", async () => {
  const d = folder({
    "a.jsonl": JSONL,
    "b.json": JSON.stringify([{ text: "x", label: 0, tags: ["p", "q"] }, { text: "y", label: 1, tags: [] }]),
    "c.json": JSON.stringify({ version: 1, data: [{ q: "why?", score: 0.5 }] }),
    "d.txt": "first line\n\nthird line\n",
  });
  const a = await load_dataset("json", { data_files: path.join(d, "a.jsonl"), split: "train" });
  assert.deepEqual(a.to_list(), [{ text: "loved it", label: 1 }, { text: "hated it", label: 0 }, { text: "ok", label: 1 }]);
  const b = await load_dataset("json", { data_files: path.join(d, "b.json"), split: "train" });
  assert.deepEqual(b["tags"], [["p", "q"], []]);
  assert.equal(util.inspect(b.features.tags), "Sequence(feature=Value(dtype='string', id=None), length=-1, id=None)");
  const c = await load_dataset("json", { data_files: path.join(d, "c.json"), field: "data", split: "train" });
  assert.deepEqual(c.to_list(), [{ q: "why?", score: 0.5 }]);
  assert.equal(c.features.score.dtype, "float64");
  const t = await load_dataset("text", { data_files: path.join(d, "d.txt"), split: "train" });
  assert.deepEqual(t["text"], ["first line", "", "third line"]);
});

test("map (per row, batched, remove_columns, a tokenizer), filter, select, shuffle(seed), train_test_split, rename / remove columns", async () => {
  const ds = Dataset.from_dict({ text: ["a b", "c", "d e f", "g", "h i", "j", "k l m n", "o"], label: [1, 0, 1, 0, 1, 0, 1, 0] });
  const words = ds.map((r) => ({ n_words: r.text.split(" ").length }));
  assert.deepEqual(words["n_words"], [2, 1, 3, 1, 2, 1, 4, 1]);
  assert.deepEqual(words.column_names, ["text", "label", "n_words"]);
  let batches = 0;
  const upper = ds.map((b) => { batches++; return { text: b.text.map((t: string) => t.toUpperCase()) }; }, { batched: true, batch_size: 3 });
  assert.equal(batches, 3);
  assert.deepEqual(upper["text"].slice(0, 2), ["A B", "C"]);
  // batched with more rows out than in: allowed only when the input columns are removed (datasets' rule)
  const split_words = (b: { text: string[] }) => ({ word: b.text.flatMap((t) => t.split(" ")) });
  assert.throws(() => ds.map(split_words, { batched: true }), /returned 15 rows for a batch of 8, so the input columns \['text', 'label'\] cannot be kept; remove them with remove_columns/);
  assert.equal(ds.map(split_words, { batched: true, remove_columns: ["text", "label"] }).num_rows, 15);
  const tok = await BertTokenizer.from_pretrained(TINY_CLASSIFIER);
  const enc = ds.map((b) => tok(b.text, { truncation: true }), { batched: true, remove_columns: "text" });
  assert.deepEqual(enc.column_names, ["label", "input_ids", "token_type_ids", "attention_mask"]);
  assert.deepEqual(enc[0].input_ids, (tok("a b") as any).input_ids);
  assert.equal(enc.features.input_ids._type, "Sequence");

  const pos = ds.filter((r) => r.label === 1);
  assert.deepEqual(pos["text"], ["a b", "d e f", "h i", "k l m n"]);
  assert.deepEqual(ds.filter((b) => b.label.map((l: number) => l === 0), { batched: true })["text"], ["c", "g", "j", "o"]);
  assert.deepEqual(ds.select([7, 0])["text"], ["o", "a b"]);
  const s1 = ds.shuffle({ seed: 42 })["text"], s2 = ds.shuffle({ seed: 42 })["text"], s3 = ds.shuffle({ seed: 7 })["text"];
  assert.deepEqual(s1, s2);
  assert.notDeepEqual(s1, s3);
  assert.deepEqual([...s1].sort(), [...ds["text"]].sort());
  const split = ds.train_test_split({ test_size: 0.25, seed: 3 });
  assert.deepEqual(split.num_rows, { train: 6, test: 2 });
  assert.deepEqual([...split.train["text"], ...split.test["text"]].sort(), [...ds["text"]].sort());
  assert.deepEqual(ds.train_test_split({ test_size: 0.25, seed: 3 }).test["text"], split.test["text"]);
  assert.deepEqual(ds.train_test_split({ test_size: 3, shuffle: false }).test["text"], ["j", "k l m n", "o"]);
  assert.throws(() => ds.train_test_split({ test_size: 0 }), /test_size=0 should be a positive/);
  assert.deepEqual(ds.sort("text", { reverse: true })["text"].slice(0, 3), ["o", "k l m n", "j"]);
  assert.deepEqual(Dataset.from_dict({ n: [3, null, 1, 2] }).sort("n")["n"], [1, 2, 3, null]);
  assert.deepEqual(ds.unique("label"), [1, 0]);
  const both = concatenate_datasets([ds.select([0, 1]), ds.select([7])]);
  assert.deepEqual(both["text"], ["a b", "c", "o"]);
  assert.throws(() => concatenate_datasets([ds, ds.remove_columns("label")]), /dataset 1 has columns \['text'\], dataset 0 has \['text', 'label'\]/);
  const renamed = ds.rename_column("label", "labels");
  assert.deepEqual(renamed.column_names, ["text", "labels"]);
  assert.deepEqual(ds.column_names, ["text", "label"], "the original is unchanged");
  assert.deepEqual(ds.remove_columns("text").column_names, ["label"]);
  assert.throws(() => ds.remove_columns("txt"), /column 'txt' not in the dataset; its columns are \['text', 'label'\]/);
});

test("with_format('tf'): rows and columns as int32 / float32 tensors; ragged columns say to pad", async () => {
  await ready();
  const before = tf.memory().numTensors;
  const ds = Dataset.from_dict({ input_ids: [[101, 7, 102], [101, 8, 102]], score: [0.5, 1.5], text: ["a", "b"] }).with_format("tf");
  const ids = ds["input_ids"] as tf.Tensor;
  assert.deepEqual([ids.shape, ids.dtype, ids.arraySync()], [[2, 3], "int32", [[101, 7, 102], [101, 8, 102]]]);
  const row = ds[1];
  assert.equal(row.score.dtype, "float32");
  assert.equal(row.text, "b");
  tf.dispose([ids, row.input_ids, row.score]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => Dataset.from_dict({ input_ids: [[1, 2], [3]] }).with_format("tf")["input_ids"], /rows of different lengths .* pad them first/);
  assert.equal(ds.with_format(null).format.type, null);
});

test("to_json / to_csv / to_parquet write all or nothing and load back the same rows", async () => {
  const d = folder({});
  const ds = Dataset.from_dict({ text: ['comma, "quote"', "line\nbreak", "plain"], label: [1, 0, 1], score: [0.25, -1.5, 3], ok: [true, false, null] });
  await ds.to_json(path.join(d, "out.jsonl"));
  await ds.to_csv(path.join(d, "out.csv"));
  await ds.to_parquet(path.join(d, "out.parquet"));
  const j = await load_dataset("json", { data_files: path.join(d, "out.jsonl"), split: "train" });
  assert.deepEqual(j.to_list(), ds.to_list());
  const c = await load_dataset("csv", { data_files: path.join(d, "out.csv"), split: "train" });
  assert.deepEqual(c["text"], ds["text"]);
  assert.deepEqual(c["score"], [0.25, -1.5, 3]);
  const p = await load_dataset("parquet", { data_files: path.join(d, "out.parquet"), split: "train" });
  assert.deepEqual(p.to_list(), ds.to_list());
  // lists and objects (token ids, nested records) survive a Parquet round trip
  const nested = Dataset.from_dict({ input_ids: [[101, 7, 102], [101, 102]], meta: [{ a: 1 }, { a: 2 }] });
  await nested.to_parquet(path.join(d, "nested.parquet"));
  const back = await load_dataset("parquet", { data_files: path.join(d, "nested.parquet"), split: "train" });
  assert.deepEqual(back.to_list(), nested.to_list());
  assert.equal(back.features.input_ids._type, "Sequence");
  assert.equal(util.inspect(p.features), util.inspect(ds.features));
  // a write that fails (the target is a folder) leaves the old file and no temporary
  fs.mkdirSync(path.join(d, "taken.csv"));
  await assert.rejects(ds.to_csv(path.join(d, "taken.csv")));
  fs.writeFileSync(path.join(d, "keep.jsonl"), "old\n");
  const bad = Dataset.from_dict({ n: [1] });
  (bad as any)._columns.n = [{ toJSON() { throw new Error("cannot serialise"); } }]; // the serialisation throws before anything is written
  await assert.rejects(bad.to_json(path.join(d, "keep.jsonl")), /cannot serialise/);
  assert.equal(fs.readFileSync(path.join(d, "keep.jsonl"), "utf8"), "old\n");
  assert.deepEqual(fs.readdirSync(d).filter((f) => f.endsWith(".tmp")), []);
});

test("a Dataset goes straight into a DataCollator and the Trainer (text columns left out, as remove_unused_columns)", async () => {
  await ready();
  const tok = await BertTokenizer.from_pretrained(TINY_CLASSIFIER);
  const model = await BertForSequenceClassification.from_pretrained(TINY_CLASSIFIER);
  const d = folder({ "train.csv": CSV, "test.jsonl": JSONL });
  const raw = await load_dataset("csv", { data_files: { train: path.join(d, "train.csv") } });
  const test_split = await load_dataset("json", { data_files: path.join(d, "test.jsonl"), split: "train" });
  const tokenize = (b: { text: string[] }) => tok(b.text, { truncation: true, max_length: 16 });
  const train = raw.train.map(tokenize, { batched: true });
  const evalset = test_split.map(tokenize, { batched: true });
  const collator = new DataCollatorWithPadding({ tokenizer: tok });
  const batch = collator(train.select([0, 1]));
  assert.deepEqual(Object.keys(batch).sort(), ["attention_mask", "input_ids", "labels", "token_type_ids"]);
  assert.deepEqual((batch.labels as tf.Tensor).arraySync(), [1, 0]);
  tf.dispose(Object.values(batch) as tf.Tensor[]);
  const out_dir = folder({});
  const per_step: number[] = [];
  const trainer = new Trainer({
    model, tokenizer: tok, train_dataset: train, eval_dataset: evalset,
    args: { output_dir: out_dir, learning_rate: 1e-3, num_train_epochs: 2, per_device_train_batch_size: 2, save_strategy: "no", report_to: [], disable_tqdm: true } as any,
    callbacks: [{ on_step_end: () => void per_step.push(tf.memory().numTensors) }],
  });
  const result = await trainer.train();
  assert.equal(result.global_step, 6, "5 rows, batch 2 → 3 steps per epoch, 2 epochs");
  assert.ok(Number.isFinite(result.training_loss));
  assert.equal(new Set(per_step.slice(1)).size, 1, `tensors per step stay level: ${per_step}`);
  const before = tf.memory().numTensors;
  const ev = await trainer.evaluate();
  assert.ok(Number.isFinite(ev.eval_loss as number));
  assert.equal(tf.memory().numTensors, before, "evaluate leaks no tensor");
});

test("a Dataset as a cell's value: datasets' repr, and an HTML table of its first rows", async () => {
  const ds = Dataset.from_dict({ text: Array.from({ length: 100 }, (_, i) => `review <${i}>`), label: Array.from({ length: 100 }, (_, i) => i % 2) });
  assert.equal(util.inspect(ds), "Dataset({\n    features: ['text', 'label'],\n    num_rows: 100\n})");
  const bundle = await (ds as any)[Symbol.for("Jupyter.display")]();
  assert.equal(bundle["text/plain"], "Dataset({\n    features: ['text', 'label'],\n    num_rows: 100\n})");
  assert.match(bundle["text/html"], /<th>text<\/th><th>label<\/th>/);
  assert.equal((bundle["text/html"].match(/<tr><th>\d+<\/th>/g) ?? []).length, 5);
  assert.match(bundle["text/html"], /review &lt;4&gt;/);
  assert.match(bundle["text/html"], /first 5 of 100 rows/);
  const dd = ds.train_test_split({ test_size: 10, seed: 0 });
  assert.equal(util.inspect(dd), "DatasetDict({\n    train: Dataset({\n        features: ['text', 'label'],\n        num_rows: 90\n    })\n    test: Dataset({\n        features: ['text', 'label'],\n        num_rows: 10\n    })\n})");
});

test("bad input: CSV line and column, mixed types name the rows, a glob that matches nothing lists what is there, a truncated Parquet file", async () => {
  const d = folder({
    "quote.csv": 'text,label\nfine,1\n"bro"ken,0\n',
    "wide.csv": "text,label\nfine,1\ntoo,many,fields\n",
    "open.csv": 'text,label\nfine,1\n"never closed,0\nmore,1\n',
    "mixed.jsonl": '{"text": "a", "label": 1}\n{"text": "b", "label": "positive"}\n{"text": "c", "label": 0}\n{"text": "d", "label": "negative"}\n',
    "bad.jsonl": '{"text": "a"}\n{"text": "b",}\n',
    "data/train.csv": CSV,
  });
  await assert.rejects(load_dataset("csv", { data_files: path.join(d, "quote.csv") }), (e: Error) => e instanceof FileFormatError && /quote\.csv: line 3, column 1 \('text'\): Invalid Closing Quote: got "k"/.test(e.message));
  await assert.rejects(load_dataset("csv", { data_files: path.join(d, "wide.csv") }), /wide\.csv: line 3: a row of 3 fields under a header of 2 columns \(\['text', 'label'\]\)/);
  await assert.rejects(load_dataset("csv", { data_files: path.join(d, "open.csv") }), /open\.csv: line 3, column 1 \('text'\).*never closed/);
  await assert.rejects(load_dataset("json", { data_files: path.join(d, "mixed.jsonl") }), /column 'label' mixes types: numbers \(rows 0, 2\) and strings \(rows 1, 3\)/);
  await assert.rejects(load_dataset("json", { data_files: path.join(d, "bad.jsonl") }), /bad\.jsonl: line 2 is not valid JSON/);
  await assert.rejects(load_dataset("csv", { data_files: path.join(d, "data/*.tsv") }), (e: Error) => /unable to find '.*data\/\*\.tsv'.*the glob matched no file.*holds: train\.csv/.test(e.message));
  await assert.rejects(load_dataset("csv", { data_files: [path.join(d, "data/train.csv"), path.join(d, "data/test.csv")] }), /unable to find '.*test\.csv'.*The other patterns of split 'train' matched: .*train\.csv/);
  assert.throws(() => Dataset.from_list([{ a: 1 }, { a: [1] }]), /column 'a' mixes types: numbers \(rows 0\) and lists \(rows 1\)/);

  // Parquet: a good file, then cut short, then with a footer length past the file's size
  await Dataset.from_dict({ text: ["a", "b"], label: [1, 0] }).to_parquet(path.join(d, "good.parquet"));
  const good = fs.readFileSync(path.join(d, "good.parquet"));
  fs.writeFileSync(path.join(d, "cut.parquet"), good.subarray(0, good.length - 20));
  const lying = Buffer.from(good);
  lying.writeUInt32LE(0x7fffffff, lying.length - 8);
  fs.writeFileSync(path.join(d, "lying.parquet"), lying);
  assert.equal(check_parquet_frame(path.join(d, "good.parquet")), good.length);
  await assert.rejects(load_dataset("parquet", { data_files: path.join(d, "cut.parquet") }), /cut\.parquet is truncated or not a Parquet file: it does not end with the PAR1 magic bytes/);
  await assert.rejects(load_dataset("parquet", { data_files: path.join(d, "lying.parquet") }), /lying\.parquet is truncated or corrupt: its footer claims 2147483647 bytes of metadata, but the file has only \d+ bytes/);
  await assert.rejects(load_dataset("parquet", { data_files: path.join(d, "quote.csv") }), /quote\.csv is not a Parquet file: it does not start with the PAR1 magic bytes/);
});

test("a local folder in the hub's layout: splits from file names (data/train-00000-of-00001.parquet, test.jsonl)", async () => {
  const d = folder({});
  await Dataset.from_dict({ text: ["a", "b", "c"], label: [0, 1, 0] }).to_parquet(path.join(d, "data", "train-00000-of-00001.parquet"));
  await Dataset.from_dict({ text: ["z"], label: [1] }).to_parquet(path.join(d, "data", "validation-00000-of-00001.parquet"));
  const dd = await load_dataset(d);
  assert.deepEqual(dd.num_rows, { train: 3, validation: 1 });
});
