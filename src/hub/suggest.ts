// What to say when an id cannot be found: the models bertlab ships (they load offline) and the known id
// nearest to the one asked for — known meaning shipped or already in the Hugging Face cache — so that
// `from_pretrained("bertlab/mini-bert-uncasd")` answers "did you mean 'bertlab/mini-bert-uncased'?" (known: shipped,
// cached, or one of the well-known BERT ids on the hub).
import * as fs from "fs";
import { list_shipped_models } from "./shipped";
import { default_cache_dir } from "./env";

/** BERT checkpoints on the hub that people type by heart (the seed walkthrough's among them), for "did you mean". */
export const WELL_KNOWN_BERT_IDS = [
  "bert-base-uncased", "bert-base-cased", "bert-large-uncased", "bert-large-cased", "bert-base-multilingual-cased",
  "bert-base-multilingual-uncased", "bert-base-chinese", "bert-large-uncased-whole-word-masking",
  "bert-base-cased-finetuned-mrpc", "dbmdz/bert-large-cased-finetuned-conll03-english",
  "bert-large-uncased-whole-word-masking-finetuned-squad", "distilbert-base-uncased",
];

/** Model ids in the Hugging Face cache (`models--org--name` folders), sorted. */
export function cached_model_ids(cache_dir: string = default_cache_dir()): string[] {
  if (!fs.existsSync(cache_dir)) return [];
  return fs
    .readdirSync(cache_dir)
    .filter((d) => d.startsWith("models--"))
    .map((d) => d.slice("models--".length).split("--").join("/"))
    .sort();
}

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function edit_distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate nearest to `id`, or null when none is close (at most a fifth of the id's length away).
 * A candidate `org/name` is also compared by its bare name, so "mini-bert-uncasd" finds "bertlab/mini-bert-uncased".
 */
export function nearest_id(id: string, candidates: string[]): string | null {
  let best: { id: string; d: number } | null = null;
  for (const c of candidates) {
    if (c === id) continue;
    const bare = c.includes("/") ? c.slice(c.indexOf("/") + 1) : c;
    const d = Math.min(edit_distance(id, c), id.includes("/") ? Infinity : edit_distance(id, bare));
    if (!best || d < best.d) best = { id: c, d };
  }
  return best && best.d <= Math.max(1, Math.floor(id.length / 5)) ? best.id : null;
}

/** The sentence appended to "cannot find <id>" errors: the shipped models, and the nearest known id. */
export function not_found_hint(id: string, cache_dir?: string): string {
  const shipped = list_shipped_models().map((m) => m.id);
  const known = [...new Set([...shipped, ...cached_model_ids(cache_dir), ...WELL_KNOWN_BERT_IDS])];
  const near = nearest_id(id, known);
  const parts: string[] = [];
  if (near) parts.push(`Did you mean '${near}'?`);
  parts.push(shipped.length
    ? `Models that ship with bertlab and load offline: ${shipped.join(", ")} (list_shipped_models()).`
    : "No shipped models were found (BERTLAB_MODELS_DIR or the package's models/ folder).");
  return parts.join(" ");
}
