// Models shipped inside the package: <package root>/models/<name>/ in Hugging Face format
// (config.json, model.safetensors, vocab.txt, tokenizer_config.json). They answer the id
// "bertlab/<name>" (or just "<name>") when neither a local folder, the cache nor the hub has it.
// BERTLAB_MODELS_DIR points elsewhere (a folder of such model folders).
import * as fs from "fs";
import * as path from "path";

/** A model shipped with bertlab under models/ (list_shipped_models): the id that loads it, its folder name and path. */
export interface ShippedModel {
  /** The id that loads it, e.g. "bertlab/mini-bert-uncased". */
  id: string;
  /** The folder name under models/. */
  name: string;
  /** The folder's absolute path. */
  path: string;
}

/** The folder holding the package.json whose name is "bertlab", walking up from `start`; null if none. */
export function package_root(start: string = __dirname): string | null {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, "utf8")).name === "bertlab") return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** Where shipped models live: BERTLAB_MODELS_DIR, else <package root>/models. */
export function shipped_models_dir(): string | null {
  if (process.env.BERTLAB_MODELS_DIR) return path.resolve(process.env.BERTLAB_MODELS_DIR);
  const root = package_root();
  return root ? path.join(root, "models") : null;
}

/** The shipped models (folders under models/ with a config.json), sorted by id. */
export function list_shipped_models(): ShippedModel[] {
  const dir = shipped_models_dir();
  if (!dir || !fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    // a linked model folder counts too (Dirent.isDirectory() is false for a symlink)
    .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && fs.existsSync(path.join(dir, d.name, "config.json")))
    .map((d) => ({ id: `bertlab/${d.name}`, name: d.name, path: path.join(dir, d.name) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The folder of the shipped model answering `id` ("bertlab/<name>" or "<name>"), or null. */
export function shipped_model_path(id: string): string | null {
  const name = id.startsWith("bertlab/") ? id.slice("bertlab/".length) : id.includes("/") ? null : id;
  if (!name) return null;
  return list_shipped_models().find((m) => m.name === name)?.path ?? null;
}
