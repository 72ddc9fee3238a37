// Writes data/software-descriptions/descriptions.jsonl: real software-descriptive prose ("X provides a command-line
// tool for ... with support for over 40 formats"), the kind of text the walkthrough's QA context is, for the QA
// teaching head's generated questions (scripts/heads-qa.ts). Two sources reachable offline on this machine:
//   - the long descriptions of the installed Debian packages (/var/lib/dpkg/status), each with the licence of its
//     debian/ files from /usr/share/doc/<package>/copyright, permissive licences only (MIT / Expat, BSD, Apache-2.0,
//     ISC, public domain ...);
//   - the prose paragraphs of the READMEs of the npm packages in node_modules (headings, code, tables, lists, badges
//     and HTML dropped; links and emphasis reduced to their text), from packages whose package.json licence is
//     permissive (MIT, ISC, Apache-2.0, BSD, 0BSD, CC0, Unlicense, BlueOak).
// The set of installed packages differs between machines, so the extracted text is a snapshot that ships in data/
// (its README says when and from what); the generator reads only the snapshot, so the data stays reproducible.
//
//   node --import tsx scripts/software-text.ts [--out data/software-descriptions/descriptions.jsonl]
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomicSync } from "../src/utils/fs";

export interface SoftwareText {
  /** "debian:<package> <version>" or "npm:<name> <version>" */
  id: string;
  licence: string;
  /** prose paragraphs, separated by blank lines */
  text: string;
}

// permissive licences only (as SPDX ids in package.json, as DEP-5 short names in Debian copyright files), so the text
// can ship beside Apache-2.0 code; copyleft-licensed descriptions are left out
const PERMISSIVE = /^(MIT|Expat|ISC|Apache-2\.0|BSD-[234]-clause|BSD-2-Clause-alike|0BSD|CC0-1\.0|Unlicense|BlueOak-1\.0\.0|public-domain|X11|MIT\/X11|BSL-1\.0|PostgreSQL|curl|Zlib|APACHE-2-LLVM-EXCEPTIONS|Python-2\.0)$/i;

/** A paragraph worth keeping: prose of 8–120 words ending a sentence, mostly letters. */
function prose(p: string): boolean {
  const w = p.split(/\s+/).length;
  const letters = (p.match(/[A-Za-z]/g) ?? []).length;
  return w >= 8 && w <= 120 && /[.!]$/.test(p) && letters / p.length > 0.7 && !/https?:|\{|\}|=>|\$ |npm i|<[a-z]/.test(p);
}

/** The licence of a Debian package's debian/ files (DEP-5 copyright), else of its `Files: *` stanza. */
function debian_licence(pkg: string): string | null {
  const f = path.join("/usr/share/doc", pkg, "copyright");
  if (!fs.existsSync(f)) return null;
  const stanzas = fs.readFileSync(f, "utf8").split(/\n\s*\n/);
  const lic = (re: RegExp) => stanzas.find((s) => re.test(s))?.match(/^License:\s*(.+)$/m)?.[1].trim() ?? null;
  return lic(/^Files:\s*debian\/\*/m) ?? lic(/^Files:\s*\*\s*$/m);
}

export function debian_descriptions(status = "/var/lib/dpkg/status"): SoftwareText[] {
  const out: SoftwareText[] = [];
  for (const block of fs.readFileSync(status, "utf8").split(/\n\n+/)) {
    const pkg = /^Package: (.+)$/m.exec(block)?.[1];
    const version = /^Version: (.+)$/m.exec(block)?.[1];
    const desc = /^Description: .*\n((?: .*\n?)*)/m.exec(block)?.[1];
    if (!pkg || !version || !desc) continue;
    const licence = debian_licence(pkg);
    if (!licence || !PERMISSIVE.test(licence)) continue;
    const paras = desc.split(/\n \.\n?/).map((p) => p.split("\n").filter((l) => !/^\s{2,}[-*]/.test(l)).map((l) => l.trim()).join(" ").trim()).filter(prose);
    if (paras.length) out.push({ id: `debian:${pkg} ${version}`, licence, text: paras.join("\n\n") });
  }
  return out;
}

/** Markdown → prose paragraphs (code blocks, headings, tables, lists, quotes, HTML and badges dropped). */
export function markdown_prose(md: string): string[] {
  const paras = md.replace(/```[\s\S]*?```/g, "\n\n").replace(/<!--[\s\S]*?-->/g, "").split(/\n\s*\n/);
  const out: string[] = [];
  for (const raw of paras) {
    if (/^\s*(#|\||[-*+] |\d+\. |>|<|!\[|\[!\[|    )/.test(raw)) continue;
    const p = raw.replace(/\s+/g, " ").replace(/!\[[^\]]*\]\([^)]*\)/g, "").replace(/\[([^\]]+)\]\([^)]*\)/g, "$1").replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1")
      .replace(/`([^`]+)`/g, "$1").replace(/\*\*([^*]+)\*\*/g, "$1").replace(/(^|\s)[*_]([^*_]+)[*_](?=[\s.,;:]|$)/g, "$1$2").trim();
    if (prose(p)) out.push(p);
  }
  return out;
}

export function npm_readmes(root: string): SoftwareText[] {
  const out: SoftwareText[] = [];
  const dirs: string[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    if (name.startsWith(".")) continue;
    if (name.startsWith("@")) for (const sub of fs.readdirSync(path.join(root, name)).sort()) dirs.push(path.join(root, name, sub));
    else dirs.push(path.join(root, name));
  }
  for (const dir of dirs) {
    const pj = path.join(dir, "package.json");
    if (!fs.existsSync(pj)) continue;
    const meta = JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string; version?: string; license?: string | { type?: string } };
    const licence = typeof meta.license === "string" ? meta.license : meta.license?.type ?? "";
    if (!meta.name || !PERMISSIVE.test(licence)) continue;
    const readme = fs.readdirSync(dir).find((f) => /^readme(\.md|\.markdown)?$/i.test(f));
    if (!readme) continue;
    const paras = markdown_prose(fs.readFileSync(path.join(dir, readme), "utf8")).slice(0, 8);
    if (paras.length) out.push({ id: `npm:${meta.name} ${meta.version}`, licence, text: paras.join("\n\n") });
  }
  return out;
}

function main(): void {
  const i = process.argv.indexOf("--out");
  const out = path.resolve(i > 0 ? process.argv[i + 1] : path.join(__dirname, "..", "data", "software-descriptions", "descriptions.jsonl"));
  // a paragraph repeated across packages (library families, a monorepo's shared blurb) is kept once, at its first package
  const seen = new Set<string>();
  const rows: SoftwareText[] = [];
  for (const r of [...debian_descriptions(), ...npm_readmes(path.join(__dirname, "..", "node_modules"))]) {
    const paras = r.text.split("\n\n").filter((p) => !seen.has(p));
    paras.forEach((p) => seen.add(p));
    if (paras.length) rows.push({ ...r, text: paras.join("\n\n") });
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  writeFileAtomicSync(out, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const words = rows.reduce((n, r) => n + r.text.split(/\s+/).length, 0);
  console.log(`${rows.length} documents (${rows.filter((r) => r.id.startsWith("debian:")).length} Debian, ${rows.filter((r) => r.id.startsWith("npm:")).length} npm), ${words} words → ${out}`);
}

if (require.main === module) main();
