import { test, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as crypto from "node:crypto";
import { Writable } from "node:stream";
import * as net from "node:net";
import {
  cached_file, hf_hub_download, readSafetensors, try_to_load_from_cache, CACHED_NO_EXIST, default_cache_dir,
  list_shipped_models, package_root, RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError,
  LocalEntryNotFoundError, type ProgressInfo,
} from "../src/hub";
import { startFakeHub, type FakeHub } from "./fixtures/hub/fake_hub";
import { hub_test_env } from "./helpers/hub_env";

const FIX = path.join(__dirname, "fixtures", "hub", "bert_model");
const CONFIG = fs.readFileSync(path.join(FIX, "config.json"));
const WEIGHTS = fs.readFileSync(path.join(FIX, "model.safetensors"));
const MAIN = "a".repeat(40); // main
const OLD = "b".repeat(40); // tag v1
const ONNX = Buffer.from("not really onnx, but LFS-served bytes");
const CONFIG_OLD = Buffer.from(JSON.stringify({ model_type: "bert", hidden_size: 16 }));
const ID = "org/tiny-bert";
const ENV_KEYS = ["HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "BERTLAB_MODELS_DIR", "XDG_CACHE_HOME", "HUGGINGFACE_HUB_CACHE", "HF_HUB_DISABLE_PROGRESS_BARS"];

let hub: FakeHub;
let cache: string;
let closedPort = 0; // a port that was just free: connections to it are refused
const env = hub_test_env(ENV_KEYS, () => hub);
const tempDir = env.tmp;
const sha256 = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");
const storage = () => path.join(cache, "models--org--tiny-bert");
const requests = () => hub.requests.map((r) => r.line);

before(async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  hub = await startFakeHub({
    [ID]: {
      refs: { main: MAIN, v1: OLD },
      commits: { [MAIN]: { "config.json": CONFIG, "model.safetensors": WEIGHTS, "onnx/model.onnx": ONNX }, [OLD]: { "config.json": CONFIG_OLD } },
    },
    "org/private-bert": { refs: { main: MAIN }, commits: { [MAIN]: { "config.json": CONFIG } }, token: "hf_secret" },
  });
});
beforeEach(() => {
  env.clear();
  cache = tempDir("bertlab-hub-cache-");
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = cache;
  hub.requests.length = 0;
  hub.drop.clear();
  hub.corrupt.clear();
  hub.stall.clear();
  hub.failWith = null;
  hub.lieSize.clear();
});

test("first load downloads into the HF cache layout; the second makes no request", async () => {
  const cfg = await cached_file(ID, "config.json");
  const weights = await cached_file(ID, "model.safetensors");
  assert.equal(cfg, path.join(storage(), "snapshots", MAIN, "config.json"));
  assert.equal(weights, path.join(storage(), "snapshots", MAIN, "model.safetensors"));
  assert.equal(fs.readFileSync(path.join(storage(), "refs", "main"), "utf8"), MAIN);
  // snapshots are relative symlinks into blobs/, named by the (linked) ETag, as huggingface_hub makes them
  assert.equal(fs.readlinkSync(weights!), `../../blobs/${sha256(WEIGHTS)}`);
  assert.match(fs.readlinkSync(cfg!), /^\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
  assert.deepEqual(fs.readdirSync(path.join(storage(), "blobs")).length, 2);
  // the bytes are the golden checkpoint's, and they parse to the same tensors
  assert.deepEqual(fs.readFileSync(weights!), WEIGHTS);
  const got = readSafetensors(weights!).tensors;
  const want = readSafetensors(path.join(FIX, "model.safetensors")).tensors;
  assert.equal(got.size, 39);
  assert.deepEqual(got.get("embeddings.word_embeddings.weight")!.data, want.get("embeddings.word_embeddings.weight")!.data);
  assert.deepEqual(requests(), [
    `HEAD /${ID}/resolve/main/config.json`, `GET /${ID}/resolve/main/config.json`,
    `HEAD /${ID}/resolve/main/model.safetensors`, `GET /${ID}/resolve/main/model.safetensors`, `GET /cdn/${sha256(WEIGHTS)}`,
  ]);
  hub.requests.length = 0;
  assert.equal(await cached_file(ID, "model.safetensors"), weights);
  assert.equal(await cached_file(ID, "config.json"), cfg);
  assert.deepEqual(requests(), []);
  assert.equal(try_to_load_from_cache(ID, "config.json", { cache_dir: cache }), cfg);
});

test("offline (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE, local_files_only) uses the cache and fails clearly when absent", async () => {
  await cached_file(ID, "config.json");
  hub.requests.length = 0;
  for (const set of [() => (process.env.HF_HUB_OFFLINE = "1"), () => (process.env.TRANSFORMERS_OFFLINE = "1"), () => undefined]) {
    delete process.env.HF_HUB_OFFLINE;
    delete process.env.TRANSFORMERS_OFFLINE;
    set();
    const local_files_only = !process.env.HF_HUB_OFFLINE && !process.env.TRANSFORMERS_OFFLINE;
    assert.equal(await cached_file(ID, "config.json", { local_files_only }), path.join(storage(), "snapshots", MAIN, "config.json"));
    await assert.rejects(cached_file(ID, "model.safetensors", { local_files_only }), (e: Error) => {
      assert.ok(e instanceof LocalEntryNotFoundError);
      assert.match(e.message, /cannot find model\.safetensors of 'org\/tiny-bert' \(revision 'main'\) in the cached files/);
      assert.match(e.message, local_files_only ? /local_files_only is set/ : /offline mode is on/);
      return true;
    });
    assert.equal(await cached_file(ID, "vocab.txt", { local_files_only, optional: true }), null);
  }
  assert.deepEqual(requests(), []);
});

test("an interrupted download leaves only an .incomplete blob, which is not trusted; a retry completes", async () => {
  hub.drop.add("model.safetensors");
  await assert.rejects(cached_file(ID, "model.safetensors"), /download of model\.safetensors of 'org\/tiny-bert' was interrupted after \d+ of 199272 bytes/);
  const blobs = fs.readdirSync(path.join(storage(), "blobs"));
  assert.deepEqual(blobs, [`${sha256(WEIGHTS)}.incomplete`]);
  assert.ok(fs.statSync(path.join(storage(), "blobs", blobs[0])).size < WEIGHTS.length);
  assert.equal(fs.existsSync(path.join(storage(), "snapshots", MAIN, "model.safetensors")), false);
  process.env.HF_HUB_OFFLINE = "1";
  await assert.rejects(cached_file(ID, "model.safetensors"), LocalEntryNotFoundError);
  delete process.env.HF_HUB_OFFLINE;
  const file = await cached_file(ID, "model.safetensors");
  assert.deepEqual(fs.readFileSync(file!), WEIGHTS);
  assert.deepEqual(fs.readdirSync(path.join(storage(), "blobs")), [sha256(WEIGHTS)]);
});

test("a stalled download is abandoned after read_timeout, leaving only the .incomplete blob", async () => {
  hub.stall.add("config.json");
  await assert.rejects(hf_hub_download(ID, "config.json", { read_timeout: 0.3 }), /download of config\.json of 'org\/tiny-bert' was interrupted after \d+ of \d+ bytes \(no data for 0\.3 s\)/);
  assert.equal(fs.existsSync(path.join(storage(), "snapshots", MAIN, "config.json")), false);
  assert.deepEqual(fs.readdirSync(path.join(storage(), "blobs")).filter((f) => !f.endsWith(".incomplete")), []);
});

test("a hub answering 5xx counts as unreachable: cached files still load, shipped models still answer", async () => {
  await cached_file(ID, "config.json");
  hub.failWith = 503;
  assert.ok(await cached_file(ID, "config.json"));
  await assert.rejects(cached_file(ID, "model.safetensors"), (e: Error) => e instanceof LocalEntryNotFoundError && /\(the hub answered HTTP 503\)/.test(e.message));
  const models = tempDir("bertlab-models-");
  fs.mkdirSync(path.join(models, "mini-bert-uncased"));
  fs.copyFileSync(path.join(FIX, "config.json"), path.join(models, "mini-bert-uncased", "config.json"));
  process.env.BERTLAB_MODELS_DIR = models;
  assert.equal(await cached_file("bertlab/mini-bert-uncased", "config.json"), path.join(models, "mini-bert-uncased", "config.json"));
});

test("a size that differs from the announced one is refused and nothing is cached", async () => {
  hub.lieSize.set("model.safetensors", WEIGHTS.length + 5);
  await assert.rejects(cached_file(ID, "model.safetensors"), /announced 199277 bytes but sends 199272/);
  assert.equal(fs.existsSync(path.join(storage(), "blobs", sha256(WEIGHTS))), false);
  assert.equal(fs.existsSync(path.join(storage(), "snapshots", MAIN, "model.safetensors")), false);
});

test("an LFS file whose bytes do not match its sha256 (X-Linked-Etag) is refused; a retry completes", async () => {
  hub.corrupt.add("model.safetensors");
  await assert.rejects(cached_file(ID, "model.safetensors"), new RegExp(`model\\.safetensors of 'org/tiny-bert' is corrupted: its sha256 is [0-9a-f]{64}, but the hub's X-Linked-Etag says ${sha256(WEIGHTS)}`));
  assert.deepEqual(fs.readdirSync(path.join(storage(), "blobs")), [`${sha256(WEIGHTS)}.incomplete`]);
  assert.equal(fs.existsSync(path.join(storage(), "snapshots", MAIN, "model.safetensors")), false);
  assert.deepEqual(fs.readFileSync((await cached_file(ID, "model.safetensors"))!), WEIGHTS);
});

test("revision pinning: a tag and a commit id resolve to their own snapshot; unknown revisions are named", async () => {
  const tagged = await cached_file(ID, "config.json", { revision: "v1" });
  assert.equal(tagged, path.join(storage(), "snapshots", OLD, "config.json"));
  assert.deepEqual(fs.readFileSync(tagged!), CONFIG_OLD);
  assert.equal(fs.readFileSync(path.join(storage(), "refs", "v1"), "utf8"), OLD);
  const pinned = await cached_file(ID, "config.json", { revision: OLD });
  assert.equal(pinned, tagged);
  const main = await cached_file(ID, "config.json");
  assert.deepEqual(fs.readFileSync(main!), CONFIG);
  // offline, the pinned commit and the tag both come from the cache
  process.env.HF_HUB_OFFLINE = "1";
  hub.requests.length = 0;
  assert.equal(await cached_file(ID, "config.json", { revision: OLD }), tagged);
  assert.equal(await cached_file(ID, "config.json", { revision: "v1" }), tagged);
  assert.deepEqual(requests(), []);
  delete process.env.HF_HUB_OFFLINE;
  await assert.rejects(cached_file(ID, "config.json", { revision: "../../etc" }), /invalid revision '\.\.\/\.\.\/etc'/);
  await assert.rejects(cached_file(ID, "../config.json"), /invalid file name '\.\.\/config\.json'/);
  await assert.rejects(cached_file(ID, "config.json", { revision: "v9" }), (e: Error) => e instanceof RevisionNotFoundError && /'v9' is not a valid git identifier/.test(e.message));
});

test("files in repo subfolders get snapshot links with the right depth (subfolder option too)", async () => {
  const onnx = await cached_file(ID, "model.onnx", { subfolder: "onnx" });
  assert.equal(onnx, path.join(storage(), "snapshots", MAIN, "onnx", "model.onnx"));
  assert.equal(fs.readlinkSync(onnx!), `../../../blobs/${sha256(ONNX)}`);
  assert.deepEqual(fs.readFileSync(onnx!), ONNX);
});

test(".no_exist markers: a missing optional file is recorded and not asked for again", async () => {
  assert.equal(await cached_file(ID, "tokenizer.json", { optional: true }), null);
  assert.ok(fs.existsSync(path.join(storage(), ".no_exist", MAIN, "tokenizer.json")));
  assert.equal(fs.readFileSync(path.join(storage(), "refs", "main"), "utf8"), MAIN);
  assert.equal(try_to_load_from_cache(ID, "tokenizer.json", { cache_dir: cache }), CACHED_NO_EXIST);
  hub.requests.length = 0;
  assert.equal(await cached_file(ID, "tokenizer.json", { optional: true }), null);
  assert.deepEqual(requests(), []);
  await assert.rejects(cached_file(ID, "tokenizer.json"), EntryNotFoundError);
  await assert.rejects(cached_file(ID, "special_tokens_map.json"), (e: Error) =>
    e instanceof EntryNotFoundError && /'org\/tiny-bert' does not appear to have a file named special_tokens_map\.json/.test(e.message));
});

test("private and unknown repos: 401 without a token names the id and how to pass a token; token option and HF_TOKEN work", async () => {
  await assert.rejects(cached_file("org/private-bert", "config.json"), (e: Error) => {
    assert.ok(e instanceof RepositoryNotFoundError);
    assert.match(e.message, /'org\/private-bert' is not a local folder and is not a valid model identifier/);
    assert.match(e.message, /pass a token .* HF_TOKEN/);
    return true;
  });
  await assert.rejects(cached_file("org/private-bert", "config.json", { token: "wrong" }), /token sent does not give access/);
  const file = await cached_file("org/private-bert", "config.json", { token: "hf_secret" });
  assert.deepEqual(fs.readFileSync(file!), CONFIG);
  assert.equal(hub.requests.at(-1)!.auth, "Bearer hf_secret");
  fs.rmSync(cache, { recursive: true, force: true });
  process.env.HF_TOKEN = "hf_secret";
  assert.ok(await cached_file("org/private-bert", "config.json"));
  delete process.env.HF_TOKEN;
  await assert.rejects(cached_file("org/nope", "config.json"), RepositoryNotFoundError);
  await assert.rejects(cached_file("not a valid id!", "config.json"), /'not a valid id!' is neither a local folder nor a valid model id/);
  await assert.rejects(cached_file("./missing-folder", "config.json"), /the folder '\.\/missing-folder' does not exist/);
});

test("a renamed repo's relative redirect is followed", async () => {
  hub.renamed.set("old/tiny-bert", ID);
  const file = await cached_file("old/tiny-bert", "config.json");
  assert.deepEqual(fs.readFileSync(file!), CONFIG);
  assert.equal(file, path.join(cache, "models--old--tiny-bert", "snapshots", MAIN, "config.json"));
  hub.renamed.clear();
});

test("an unreachable hub gives a clear error naming the endpoint, id and file", async () => {
  process.env.HF_ENDPOINT = `http://127.0.0.1:${closedPort}`;
  await assert.rejects(cached_file(ID, "config.json"), (e: Error) => {
    assert.ok(e instanceof LocalEntryNotFoundError);
    assert.match(e.message, new RegExp(`could not connect to 'http://127\\.0\\.0\\.1:${closedPort}' to load config\\.json of 'org/tiny-bert' \\(.*ECONNREFUSED.*\\)`));
    return true;
  });
});

test("progress: callback events initiate → download → progress → done, and a forced stderr-style bar", async () => {
  const events: ProgressInfo[] = [];
  let bar = "";
  const stream = new Writable({ write(chunk, _enc, cb) { bar += chunk.toString(); cb(); } });
  await hf_hub_download(ID, "model.safetensors", { progress_callback: (p) => events.push(p), progress_bar: true, stream });
  assert.deepEqual(events.slice(0, 2).map((e) => e.status), ["initiate", "download"]);
  assert.equal(events[1].total, WEIGHTS.length);
  const last = events.at(-1)!;
  assert.deepEqual({ status: last.status, loaded: last.loaded, total: last.total, file: last.file, name: last.name }, { status: "done", loaded: 199272, total: 199272, file: "model.safetensors", name: ID });
  const progress = events.filter((e) => e.status === "progress");
  assert.ok(progress.length >= 1);
  assert.equal(progress.at(-1)!.progress, 100);
  assert.match(bar, /Downloading: 100%\|██████████\| 199k\/199k \[00:00<00:00, [\d.]+[kMG]?B\/s\]/);
});

test("two parallel loads of one file download it once", async () => {
  const [a, b] = await Promise.all([cached_file(ID, "model.safetensors"), cached_file(ID, "model.safetensors")]);
  assert.equal(a, b);
  assert.equal(requests().filter((r) => r.startsWith("GET /cdn/")).length, 1);
});

test("cache dir: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME or ~/.cache + huggingface/hub", () => {
  process.env.HF_HUB_CACHE = "/x/hub-cache";
  assert.equal(default_cache_dir(), "/x/hub-cache");
  delete process.env.HF_HUB_CACHE;
  process.env.HF_HOME = "/y/hf";
  assert.equal(default_cache_dir(), "/y/hf/hub");
  delete process.env.HF_HOME;
  process.env.XDG_CACHE_HOME = "/z/cache";
  assert.equal(default_cache_dir(), "/z/cache/huggingface/hub");
  delete process.env.XDG_CACHE_HOME;
  assert.equal(default_cache_dir(), path.join(os.homedir(), ".cache", "huggingface", "hub"));
});

test("shipped models: found from src/hub, listed, and used when the cache and the hub cannot help", async () => {
  assert.equal(package_root(path.join(__dirname, "..", "src", "hub")), path.resolve(__dirname, ".."));
  assert.equal(package_root(path.join(__dirname, "..", "dist", "src", "hub")), path.resolve(__dirname, "..")); // the compiled build
  const other = tempDir("bertlab-notours-");
  fs.writeFileSync(path.join(other, "package.json"), JSON.stringify({ name: "someone-else" }));
  assert.equal(package_root(other), null);
  assert.equal(package_root(os.tmpdir()), null);
  const models = tempDir("bertlab-models-");
  fs.mkdirSync(path.join(models, "mini-bert-uncased"));
  fs.copyFileSync(path.join(FIX, "config.json"), path.join(models, "mini-bert-uncased", "config.json"));
  fs.mkdirSync(path.join(models, "not-a-model"));
  process.env.BERTLAB_MODELS_DIR = models;
  assert.deepEqual(list_shipped_models(), [{ id: "bertlab/mini-bert-uncased", name: "mini-bert-uncased", path: path.join(models, "mini-bert-uncased") }]);
  const shipped = path.join(models, "mini-bert-uncased", "config.json");
  // online, the hub has no such repo (401): the shipped copy answers
  assert.equal(await cached_file("bertlab/mini-bert-uncased", "config.json"), shipped);
  assert.equal(await cached_file("bertlab/mini-bert-uncased", "vocab.txt", { optional: true }), null);
  await assert.rejects(cached_file("bertlab/mini-bert-uncased", "vocab.txt"), /the shipped model 'bertlab\/mini-bert-uncased' .* does not contain a file named vocab\.txt/);
  // offline, and with the hub unreachable
  process.env.HF_HUB_OFFLINE = "1";
  assert.equal(await cached_file("bertlab/mini-bert-uncased", "config.json"), shipped);
  assert.equal(await cached_file("mini-bert-uncased", "config.json"), shipped);
  delete process.env.HF_HUB_OFFLINE;
  process.env.HF_ENDPOINT = `http://127.0.0.1:${closedPort}`;
  assert.equal(await cached_file("bertlab/mini-bert-uncased", "config.json"), shipped);
  // a cached copy wins over the shipped one
  const snap = path.join(cache, "models--bertlab--mini-bert-uncased", "snapshots", MAIN);
  fs.mkdirSync(snap, { recursive: true });
  fs.writeFileSync(path.join(snap, "config.json"), "{}");
  fs.mkdirSync(path.join(cache, "models--bertlab--mini-bert-uncased", "refs"));
  fs.writeFileSync(path.join(cache, "models--bertlab--mini-bert-uncased", "refs", "main"), MAIN);
  assert.equal(await cached_file("bertlab/mini-bert-uncased", "config.json"), path.join(snap, "config.json"));
});

test("local folders come first and name the missing file", async () => {
  assert.equal(await cached_file(FIX, "config.json"), path.join(FIX, "config.json"));
  assert.equal(await cached_file(FIX, "vocab.txt", { optional: true }), null);
  await assert.rejects(cached_file(FIX, "vocab.txt"), /does not contain a file named vocab\.txt/);
  assert.deepEqual(requests(), []);
});
