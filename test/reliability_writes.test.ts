// Reliability of every multi-file write (issue 12): writer processes (test/fixtures/reliability/writer.ts)
// save a model, a tokenizer, a Trainer checkpoint or the kernelspec in a loop, each save a new generation
// stamped into every file. At seeded random moments the test either
//   - freezes the writer (SIGSTOP), copies the folder and inspects the copy as a crash at that instant
//     would have left it (the writer's lock is dropped, as its owner would be dead), then resumes it; or
//   - kills it (SIGKILL) and inspects the folder itself, then saves again and checks no temp file is left.
// Every inspection must find one complete generation (old or new), never a mix and never nothing; the
// reader is the one the loaders use (read_dir_consistent: a dead writer's commit is finished first).
// Two writers saving into one folder at once are checked the same way. BERTLAB_FUZZ_SCALE multiplies
// the trial counts (`npm run fuzz:writes`); BERTLAB_FUZZ_SEED changes the moments.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { readSafetensors } from "../src/hub/safetensors";
import { read_dir_consistent, recover_dir, LOCK_NAME } from "../src/utils/atomic_dir";
import { ready } from "../src/backend";
import { save } from "./fixtures/reliability/writer";

const SCALE = Number(process.env.BERTLAB_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.BERTLAB_FUZZ_SEED ?? 12);
const WRITER = path.join(__dirname, "fixtures", "reliability", "writer.ts");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-reliability-"));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

/** mulberry32: a small seeded generator for the kill moments. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Kind = "model" | "tokenizer" | "checkpoint" | "kernelspec";
type Verdict = { gen: number } | { bad: "mixed" | "lost"; why: string };

/** The folder a kind's reader opens inside the writer's target. */
function folder_of(kind: Kind, dir: string): string {
  if (kind === "checkpoint") return path.join(dir, "checkpoint-5");
  if (kind === "kernelspec") return path.join(dir, "share", "jupyter", "kernels", "bertlab");
  return dir;
}

function read_json(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** One model folder: config and weights of one generation (hidden size and pooler bias agree). */
function model_gen(dir: string): Verdict {
  const config = read_json(path.join(dir, "config.json"));
  const { tensors } = readSafetensors(path.join(dir, "model.safetensors"));
  const gen = config.bertlab_gen as number;
  const width = tensors.get("embeddings.word_embeddings.weight")!.shape[1];
  const bias = tensors.get("pooler.dense.bias")!.data[0];
  if (config.hidden_size !== width || bias !== gen || width !== (gen % 2 ? 16 : 8)) {
    return { bad: "mixed", why: `config gen ${gen} hidden ${config.hidden_size}; weights width ${width}, gen ${bias}` };
  }
  return { gen };
}

function inspect_now(kind: Kind, dir: string): Verdict {
  const f = folder_of(kind, dir);
  try {
    if (kind === "model") return model_gen(f);
    if (kind === "checkpoint") {
      const state = read_json(path.join(f, "trainer_state.json"));
      if (!fs.existsSync(path.join(f, "training_args.json"))) return { bad: "lost", why: "training_args.json missing" };
      const m = model_gen(f);
      if ("gen" in m && m.gen !== state.best_metric) return { bad: "mixed", why: `model gen ${m.gen}, trainer_state gen ${state.best_metric}` };
      return m;
    }
    if (kind === "tokenizer") {
      const gen = read_json(path.join(f, "tokenizer_config.json")).model_max_length as number;
      const vocab = fs.readFileSync(path.join(f, "vocab.txt"), "utf8").split("\n");
      if (!fs.existsSync(path.join(f, "special_tokens_map.json"))) return { bad: "lost", why: "special_tokens_map.json missing" };
      if (vocab[5] !== `gen_${gen}` || vocab.length !== 2007 + (gen % 2) * 500) return { bad: "mixed", why: `config gen ${gen}, vocab ${vocab[5]} of ${vocab.length}` };
      return { gen };
    }
    const spec = read_json(path.join(f, "kernel.json"));
    for (const logo of ["logo-svg.svg", "logo-32x32.png", "logo-64x64.png"]) {
      if (!fs.existsSync(path.join(f, logo))) return { bad: "lost", why: `${logo} missing` };
    }
    return { gen: Number(/^gen (\d+)$/.exec(spec.display_name)![1]) };
  } catch (e) {
    return { bad: "lost", why: (e as Error).message.split("\n")[0] };
  }
}

/** What a reader (the loaders' read_dir_consistent, after any crash recovery) finds. */
async function inspect(kind: Kind, dir: string): Promise<Verdict> {
  const f = folder_of(kind, dir);
  if (kind === "checkpoint") recover_dir(dir); // as sorted_checkpoints does before listing
  if (!fs.existsSync(f)) return { bad: "lost", why: `${f} missing` };
  return read_dir_consistent(f, async () => inspect_now(kind, dir));
}

function drop_locks(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) drop_locks(p);
    else if (e.name === LOCK_NAME) fs.rmSync(p);
  }
}

type Writer = { proc: ChildProcess; saved: number[]; exited: Promise<void> };

function start_writer(kind: Kind, dir: string, id: number): Writer {
  const proc = spawn(process.execPath, ["--import", "tsx", WRITER, kind, dir, String(id)], { stdio: ["ignore", "pipe", "pipe"] });
  const w: Writer = { proc, saved: [], exited: new Promise((r) => proc.once("exit", () => r())) };
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  proc.stdout!.on("data", (d: Buffer) => {
    for (const m of d.toString().matchAll(/saved (\d+)/g)) w.saved.push(Number(m[1]));
  });
  proc.once("exit", (code, sig) => {
    if (sig === null && code !== 0) throw new Error(`writer ${kind} ${id} failed (${code}): ${err}`);
  });
  return w;
}

async function until_saved(w: Writer, n: number): Promise<void> {
  for (let i = 0; i < 600 && w.saved.length < n; i++) await sleep(50);
  assert.ok(w.saved.length >= n, `writer did not save ${n} times in 30 s`);
}

type Tally = { trials: number; lost: number; mixed: number; problems: string[] };

function record(t: Tally, v: Verdict, what: string): void {
  t.trials++;
  if ("bad" in v) {
    t[v.bad]++;
    t.problems.push(`${what}: ${v.bad}: ${v.why}`);
  }
}

/** Frozen-writer snapshots: `n` moments, each copied and inspected as a crash at that instant. */
async function stop_trials(kind: Kind, writers: Writer[], dir: string, n: number, next: () => number, t: Tally): Promise<void> {
  for (let i = 0; i < n; i++) {
    await sleep(next() * 60);
    for (const w of writers) w.proc.kill("SIGSTOP");
    const copy = path.join(root, `copy-${kind}-${i}-${writers.length}`);
    try {
      fs.cpSync(dir, copy, { recursive: true });
    } finally {
      for (const w of writers) w.proc.kill("SIGCONT");
    }
    drop_locks(copy);
    record(t, await inspect(kind, copy), `${kind} stop ${i}`);
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

function temps_left(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (/\.tmp$|\.old$|^tmp-/.test(e.name)) out.push(path.join(dir, e.name));
    else if (e.isDirectory()) out.push(...temps_left(path.join(dir, e.name)));
  }
  return out;
}

const KINDS: Kind[] = ["model", "tokenizer", "checkpoint", "kernelspec"];

/** A real kill at a random moment, then what the reader finds, then a save that must clean up after it. */
async function kill_trial(kind: Kind, w: Writer, dir: string, next: () => number, t: Tally, what: string): Promise<void> {
  await sleep(next() * 80);
  w.proc.kill("SIGKILL");
  await w.exited;
  record(t, await inspect(kind, dir), what);
  await save(kind, dir, 7); // the next save cleans what the killed one left
  const left = temps_left(dir);
  if (left.length) t.problems.push(`${what}: temp files left after the next save: ${left.join(", ")}`);
  record(t, await inspect(kind, dir), `${what}, saved again`);
}

/** One kind's trials: 10 frozen moments of one writer that is then killed, plus more killed writers at larger scales. */
async function trials(kind: Kind): Promise<Tally> {
  const next = rng(SEED + KINDS.indexOf(kind));
  const dir = path.join(root, kind);
  const t: Tally = { trials: 0, lost: 0, mixed: 0, problems: [] };
  for (let k = 0; k < SCALE; k++) {
    const w = start_writer(kind, dir, 1 + k);
    try {
      await until_saved(w, 1);
      await stop_trials(kind, [w], dir, 10, next, t);
      await kill_trial(kind, w, dir, next, t, `${kind} kill ${k}`);
    } finally {
      w.proc.kill("SIGKILL");
    }
  }
  console.log(`# reliability ${kind}: ${t.trials} trials, ${t.lost} lost, ${t.mixed} mixed`);
  return t;
}

test("model, tokenizer, Trainer checkpoint and kernelspec writers frozen or killed at random moments leave the old or the new complete save", { timeout: 300_000 * SCALE }, async () => {
  await ready();
  // The four kinds run side by side (their writers' start-up overlaps); each kind has its own seed.
  const all = await Promise.all(KINDS.map((kind) => trials(kind)));
  assert.deepEqual(all.flatMap((t) => t.problems), []);
  assert.equal(all.reduce((n, t) => n + t.trials, 0), KINDS.length * 12 * SCALE);
});

test("two processes saving into one model folder at once never interleave", { timeout: 120_000 * SCALE }, async () => {
  const next = rng(SEED + 100);
  const dir = path.join(root, "two-writers");
  const t: Tally = { trials: 0, lost: 0, mixed: 0, problems: [] };
  const a = start_writer("model", dir, 1);
  const b = start_writer("model", dir, 2);
  try {
    await Promise.all([until_saved(a, 1), until_saved(b, 1)]);
    await stop_trials("model", [a, b], dir, 10 * SCALE, next, t);
    // Live readers while both write: every read is one generation of one writer.
    for (let i = 0; i < 5 * SCALE; i++) {
      await sleep(next() * 40);
      record(t, await inspect("model", dir), `two writers live read ${i}`);
    }
  } finally {
    a.proc.kill("SIGKILL");
    b.proc.kill("SIGKILL");
    await Promise.all([a.exited, b.exited]);
  }
  record(t, await inspect("model", dir), "two writers after both killed");
  console.log(`# reliability two writers: ${t.trials} trials, ${t.lost} lost, ${t.mixed} mixed (saves: ${a.saved.length} + ${b.saved.length})`);
  assert.ok(a.saved.length > 0 && b.saved.length > 0);
  assert.deepEqual(t.problems, []);
});
