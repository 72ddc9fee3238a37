// A wrong model id offline names the models that ship with bertlab and the nearest known id
// (src/hub/suggest.ts), through from_pretrained's real error path.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cached_model_ids, edit_distance, nearest_id, not_found_hint } from "../src/hub/suggest";
import { cached_file, LocalEntryNotFoundError } from "../src/hub";
import { BertTokenizer } from "../src/tokenizers";

const cache = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-suggest-"));
fs.mkdirSync(path.join(cache, "models--dslim--bert-base-NER"));
fs.mkdirSync(path.join(cache, "datasets--squad"));

test("edit distance and the nearest id (bare names of org/name ids count)", () => {
  assert.equal(edit_distance("kitten", "sitting"), 3);
  assert.equal(edit_distance("Bert", "bert"), 0);
  assert.equal(nearest_id("mini-bert-uncasd", ["bertlab/mini-bert-uncased", "bert-base-uncased"]), "bertlab/mini-bert-uncased");
  assert.equal(nearest_id("bertlab/mini-bert-uncasd", ["bertlab/mini-bert-uncased", "bert-base-uncased"]), "bertlab/mini-bert-uncased");
  assert.equal(nearest_id("bert-base-uncasd", ["bertlab/mini-bert-uncased", "bert-base-uncased"]), "bert-base-uncased");
  assert.equal(nearest_id("roberta-large-mnli", ["bert-base-uncased"]), null, "nothing close: no suggestion");
});

test("cached model ids come from models--org--name folders only", () => {
  assert.deepEqual(cached_model_ids(cache), ["dslim/bert-base-NER"]);
  assert.deepEqual(cached_model_ids(path.join(cache, "missing")), []);
});

test("offline, a misspelled id says 'did you mean' and lists the shipped bertlab/* models", async () => {
  const prev = process.env.HF_HUB_OFFLINE;
  process.env.HF_HUB_OFFLINE = "1";
  try {
    await assert.rejects(cached_file("bertlab/mini-bert-uncasd", "config.json", { cache_dir: cache }), (e: Error) => {
      assert.ok(e instanceof LocalEntryNotFoundError, e.name);
      assert.match(e.message, /cannot find config\.json of 'bertlab\/mini-bert-uncasd'/);
      assert.match(e.message, /Did you mean 'bertlab\/mini-bert-uncased'\?/);
      assert.match(e.message, /Models that ship with bertlab and load offline: bertlab\/mini-bert-uncased, .*bertlab\/mini-bert-uncased-mrpc/);
      return true;
    });
    await assert.rejects(cached_file("dslim/bert-base-NRE", "config.json", { cache_dir: cache }), /Did you mean 'dslim\/bert-base-NER'\?/);
    await assert.rejects(cached_file("bert-base-uncasd", "config.json", { cache_dir: cache }), /Did you mean 'bert-base-uncased'\?/);
    await assert.rejects(BertTokenizer.from_pretrained("bertlab/mini-bert-uncasd", { cache_dir: cache }),
      /found neither vocab\.txt nor tokenizer\.json.*Did you mean 'bertlab\/mini-bert-uncased'\?.*bertlab\/mini-bert-uncased-sentiment/);
    // a shipped id still loads offline, with no hint involved
    assert.match((await cached_file("bertlab/mini-bert-uncased", "config.json", { cache_dir: cache }))!, /models[\\/]mini-bert-uncased[\\/]config\.json$/);
  } finally {
    if (prev === undefined) delete process.env.HF_HUB_OFFLINE;
    else process.env.HF_HUB_OFFLINE = prev;
  }
});

test("the hint without a close id still lists the shipped models", () => {
  const h = not_found_hint("xlnet-base-cased", cache);
  assert.doesNotMatch(h, /Did you mean/);
  assert.match(h, /^Models that ship with bertlab and load offline: bertlab\/mini-bert-uncased/);
});
