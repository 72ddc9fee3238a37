// Builds notebooks/*.ipynb from their plain-text sources in notebooks/src/*.nb (diff-friendly, reviewable):
//   node --import tsx notebooks/build.ts          write every notebook
//   node --import tsx notebooks/build.ts --check  exit 1 if a committed .ipynb differs from its source
// Source format: a line `%% md` starts a markdown cell, `%% code` a code cell, `%% code parameters` a code
// cell tagged `parameters` (papermill / `bertlab run -p`). Everything up to the next `%%` line is the cell.
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";

const HERE = __dirname;
const SRC = path.join(HERE, "src");

export const KERNELSPEC = { name: "bertlab", display_name: "TypeScript (bertlab)", language: "typescript" };

type Cell = { cell_type: "markdown" | "code"; id: string; metadata: { tags?: string[] }; source: string[]; outputs?: unknown[]; execution_count?: null };

function lines(text: string): string[] {
  const parts = text.split("\n");
  return parts.map((l, i) => (i < parts.length - 1 ? l + "\n" : l)).filter((l) => l !== "");
}

/** Parses one `.nb` source into nbformat 4.5 JSON text (cell ids are stable: derived from name and index). */
export function build_notebook(name: string, source: string): string {
  const cells: Cell[] = [];
  let kind: { type: "markdown" | "code"; tags: string[] } | null = null;
  let body: string[] = [];
  const flush = (lineno: number) => {
    if (!kind) {
      if (body.some((l) => l.trim() !== "")) throw new Error(`${name}: text before the first %% marker (line ${lineno})`);
      return;
    }
    const text = body.join("\n").replace(/^\n+/, "").replace(/\s+$/, "");
    if (text === "") throw new Error(`${name}: empty cell ending at line ${lineno}`);
    const id = createHash("sha1").update(`${name}:${cells.length}`).digest("hex").slice(0, 8);
    const cell: Cell = { cell_type: kind.type, id, metadata: kind.tags.length ? { tags: kind.tags } : {}, source: lines(text) };
    if (kind.type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
    cells.push(cell);
  };
  source.split("\n").forEach((line, i) => {
    const m = /^%%\s+(md|code)\b\s*(.*)$/.exec(line);
    if (!m) {
      body.push(line);
      return;
    }
    flush(i + 1);
    kind = { type: m[1] === "md" ? "markdown" : "code", tags: m[2].trim() ? m[2].trim().split(/\s+/) : [] };
    body = [];
  });
  flush(source.split("\n").length);
  const nb = {
    cells,
    metadata: {
      kernelspec: KERNELSPEC,
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/x.typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(nb, null, 1) + "\n";
}

export function sources(): string[] {
  return fs.readdirSync(SRC).filter((f) => f.endsWith(".nb")).sort();
}

export function target_of(src: string): string {
  return path.join(HERE, src.replace(/\.nb$/, ".ipynb"));
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const f of sources()) {
    const text = build_notebook(f, fs.readFileSync(path.join(SRC, f), "utf8"));
    const out = target_of(f);
    if (check) {
      if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== text) {
        console.error(`${path.relative(process.cwd(), out)} is out of date: run node --import tsx notebooks/build.ts`);
        stale++;
      }
    } else {
      const tmp = `${out}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, out);
      console.log(`wrote ${path.relative(process.cwd(), out)}`);
    }
  }
  if (stale) process.exit(1);
}
