// Data sets that ship in the package (`<package root>/data/<name>`, each with a README giving its provenance and
// license): `load_dataset("bertlab/<name>")` reads them offline, with no hub request — as the shipped models answer
// `bertlab/<name>` model ids.
import * as fs from "fs";
import * as path from "path";
import { package_root } from "../hub";

/** The folder of a shipped data set for `bertlab/<name>`, or null. */
export function shipped_dataset_path(id: string): string | null {
  const m = /^bertlab\/([\w.-]+)$/.exec(id);
  const root = package_root();
  if (!m || !root) return null;
  const dir = path.join(root, "data", m[1]);
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : null;
}

/** The names of the shipped data sets (`bertlab/<name>`). */
export function list_shipped_datasets(): string[] {
  const root = package_root();
  const dir = root && path.join(root, "data");
  if (!dir || !fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `bertlab/${e.name}`).sort();
}
