// load_dataset("user/name") from a hub dataset repo (issue 25 item 3), against a local stand-in for the hub on
// 127.0.0.1: the repo's files listed by the tree API, its Parquet files (data/train-00000-of-00001.parquet, or the
// refs/convert/parquet branch's <config>/<split>/0000.parquet) downloaded through bertlab's hub code into the
// shared cache (datasets--org--name), then loaded offline from there with no request.
import { test, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { load_dataset, Dataset } from "../src/datasets";
import { LocalEntryNotFoundError, RepositoryNotFoundError } from "../src/hub";
import { startFakeHub, type FakeHub } from "./fixtures/hub/fake_hub";
import { hub_test_env } from "./helpers/hub_env";

const MAIN = "c".repeat(40);
const CONVERTED = "d".repeat(40);
const ENV_KEYS = ["HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HF_HUB_DISABLE_PROGRESS_BARS"];
let hub: FakeHub;
let cache: string;
const env = hub_test_env(ENV_KEYS, () => hub);
const tmp = env.tmp;

async function parquet(cols: Record<string, unknown[]>): Promise<Uint8Array> {
  const f = path.join(tmp("bertlab-pq-"), "x.parquet");
  await Dataset.from_dict(cols).to_parquet(f);
  return fs.readFileSync(f);
}

before(async () => {
  const train = await parquet({ text: ["great", "awful", "fine", "dull"], label: [1, 0, 1, 0] });
  const testp = await parquet({ text: ["superb", "bad"], label: [1, 0] });
  const other = await parquet({ sentence: ["x"], idx: [7] });
  hub = await startFakeHub({
    "datasets/org/reviews": {
      refs: { main: MAIN },
      commits: { [MAIN]: { "README.md": Buffer.from("# reviews\n"), "data/train-00000-of-00001.parquet": train, "data/test-00000-of-00001.parquet": testp } },
    },
    "datasets/org/converted": {
      refs: { main: MAIN, "refs/convert/parquet": CONVERTED },
      commits: {
        [MAIN]: { "README.md": Buffer.from("# raw files in a format the hub converted\n"), "loader.py": Buffer.from("# a loading script\n") },
        [CONVERTED]: { "default/train/0000.parquet": train, "default/validation/0000.parquet": testp, "other/train/0000.parquet": other },
      },
    },
  });
});
beforeEach(() => {
  env.clear();
  cache = tmp("bertlab-ds-cache-");
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = cache;
  process.env.HF_HUB_DISABLE_PROGRESS_BARS = "1";
  hub.requests.length = 0;
  hub.failWith = null;
});

test("a hub dataset repo in the data/<split>-00000-of-00001.parquet layout loads into the shared cache, then offline with no request", async () => {
  const dd = await load_dataset("org/reviews");
  assert.deepEqual(dd.num_rows, { train: 4, test: 2 });
  assert.deepEqual(dd.keys(), ["train", "test"], "splits in datasets' order");
  assert.deepEqual(dd.train["text"], ["great", "awful", "fine", "dull"]);
  assert.deepEqual(dd.test[1], { text: "bad", label: 0 });
  const lines = hub.requests.map((r) => r.line);
  assert.equal(lines[0], "GET /api/datasets/org/reviews/tree/main");
  assert.ok(lines.includes("HEAD /datasets/org/reviews/resolve/main/data/train-00000-of-00001.parquet"), lines.join("\n"));
  const snap = path.join(cache, "datasets--org--reviews", "snapshots", MAIN, "data", "train-00000-of-00001.parquet");
  assert.ok(fs.existsSync(snap), "the file sits in the hub cache's layout, beside the models");
  assert.ok(!fs.existsSync(path.join(cache, "models--org--reviews")));

  hub.requests.length = 0;
  process.env.HF_HUB_OFFLINE = "1";
  const again = await load_dataset("org/reviews", { split: "train" });
  assert.deepEqual(again.to_list(), dd.train.to_list());
  assert.deepEqual(hub.requests, [], "offline: nothing asked of the hub");
  // streaming a hub split: its files come through the cache, then rows are read one row group at a time
  const rows: unknown[] = [];
  for await (const r of await load_dataset("org/reviews", { split: "train", streaming: true })) rows.push(r);
  assert.deepEqual(rows, dd.train.to_list());
  // the hub down (HTTP 503) rather than offline: the cache answers too
  delete process.env.HF_HUB_OFFLINE;
  hub.failWith = 503;
  assert.equal((await load_dataset("org/reviews", { split: "test" })).num_rows, 2);
});

test("refs/convert/parquet: a repo without data files at main loads the hub's Parquet conversion; name picks a config", async () => {
  const dd = await load_dataset("org/converted");
  assert.deepEqual(dd.num_rows, { train: 4, validation: 2 });
  assert.ok(hub.requests.some((r) => r.line === `GET /api/datasets/org/converted/tree/${encodeURIComponent("refs/convert/parquet")}`));
  const other = await load_dataset("org/converted", { name: "other", split: "train" });
  assert.deepEqual(other.to_list(), [{ sentence: "x", idx: 7 }]);
  // data_files on a hub repo: globs over its file list
  const picked = await load_dataset("org/reviews", { data_files: { test: "data/test-*.parquet" } });
  assert.deepEqual(picked.num_rows, { test: 2 });
  await assert.rejects(load_dataset("org/reviews", { data_files: "data/*.csv" }), /no file of the repo matches 'data\/\*\.csv' \(split 'train'\); its files: README\.md, data\/test-00000-of-00001\.parquet/);
  await assert.rejects(load_dataset("org/converted", { name: "nope" }), /config 'nope' not found; the repo has \['default', 'other'\]/);
});

test("unknown repos and offline misses say so", async () => {
  await assert.rejects(load_dataset("org/missing"), RepositoryNotFoundError);
  process.env.HF_HUB_OFFLINE = "1";
  await assert.rejects(load_dataset("org/reviews"), (e: Error) => e instanceof LocalEntryNotFoundError && /offline mode is on.*datasets--org--reviews/.test(e.message));
});
