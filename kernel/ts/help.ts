// IPython's help (`name?`, `name??`, `?name`, and inspect_request / Shift-Tab), from TypeScript's checker: every
// signature (all overloads; a class's constructors), the fields of option-object parameters with their doc and
// `@default`, the doc comment and its tags, a class's public members (static and instance) with their first doc
// line, the file, and for `??` the source (the .ts source beside a package's dist .d.ts, else its .js; a cell's own
// source for names cells declared). A Python name typed by habit (`tokenizer.encode_plus`, `model.to`) says what
// to write in bertlab. The checker is reached through tslab's quick-info call (`probe_quick_info`, hooked into the
// TypeScript view compiler.ts gives tslab), so the converter is not changed.
import * as fs from "fs";
import * as path from "path";
import type { CellCompiler, TsModule } from "./compiler";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Checker = any;
type Node = any;
type Sym = any;
type Probe = (ts: TsModule, checker: Checker, sf: Node, pos: number) => void;

let pending: Probe | null = null;

/** The getQuickInfoAtPosition tslab's converter calls: runs a pending probe with the checker first. */
export function probe_quick_info(ts: TsModule) {
  return (sf: Node, checker: Checker, token: unknown, pos: number) => {
    const p = pending;
    pending = null;
    if (p) p(ts, checker, sf, pos);
    return ts.getQuickInfoAtPosition(sf, checker, token, pos);
  };
}

/**
 * Python names typed by habit → what to write in bertlab: the help page of a name that does not exist, and the
 * compile error of a property that does not exist (errors.ts). (Names bertlab has — encode_plus, batch_encode_plus,
 * t.item(), model.to("cpu") — page their own docs.)
 */
export const PYTHON_HABITS: Record<string, string> = {
  encode_plus:
    "transformers' tokenizer.encode_plus(text, ...) is `tokenizer(text, { text_pair, padding, truncation, max_length, return_tensors })` in bertlab (call the tokenizer; transformers deprecates encode_plus too); `tokenizer.encode(text)` gives the ids only.",
  batch_encode_plus: "transformers' tokenizer.batch_encode_plus([a, b], ...) is `tokenizer([a, b], { padding: true, truncation: true })` in bertlab (call the tokenizer on an array).",
  to: 'torch\'s .to(device): bertlab has one tfjs backend, so `.to("cpu")` returns the object itself and any other device says so; drop .to(device) / .cuda().',
  cuda: "torch's .cuda(): bertlab has no devices (one tfjs backend, chosen at start-up: backend_info()); drop it.",
  numpy: "torch's t.numpy(): write t.tolist() / t.arraySync() (nested arrays), t.dataSync() (flat typed array) or t.item() (one number).",
  size: "torch's t.size(): write t.shape (an array of numbers).",
  contiguous: "torch's t.contiguous(): tfjs tensors are always laid out contiguously; drop it.",
  masked_fill: "torch's t.masked_fill(mask, value): write tf.where(mask, tf.fill(t.shape, value), t).",
  no_grad: "torch.no_grad(): tfjs records no graph outside optimizer.step / tf.grad; for memory, wrap the work in tf.tidy(() => ...).",
  state_dict: "torch's model.state_dict(): bertlab modules have named_parameters() (checkpoint keys → tensors).",
  len: "Python's len(x): write x.length (arrays, strings) or x.shape[0] (tensors).",
};

type Options = { detail: 0 | 1; cells: string[] };

/**
 * The help page of what is at `pos` in `src` (compiled against `prev_decl`): { text/plain, text/markdown }, or null
 * when nothing is there. `target` names it for the Python-habit note when nothing is found.
 */
export function help_at(compiler: CellCompiler, prev_decl: string, src: string, pos: number, opts: Options): Record<string, string> | null {
  let page: Record<string, string> | null = null;
  pending = (ts, checker, sf, p) => {
    try {
      page = build_page(ts, checker, sf, p, opts);
    } catch (e) {
      page = { "text/plain": `help failed: ${(e as Error).message}` };
    }
  };
  try {
    compiler.inspect(prev_decl, src, pos);
  } finally {
    pending = null;
  }
  return page;
}

/**
 * Where to look for the name a Shift-Tab means: at the cursor, one back (just after the name), and the callee of the
 * innermost call the cursor is inside (`f(a, |` → f).
 */
export function inspect_positions(code: string, cursor: number): number[] {
  const out = [cursor, cursor - 1];
  let depth = 0;
  for (let i = cursor - 1; i >= 0; i--) {
    const c = code[i];
    if (c === ")" || c === "]" || c === "}") depth++;
    else if (c === "(" || c === "[" || c === "{") {
      if (depth === 0) {
        if (c === "(") out.push(Math.max(0, i - 1));
        break;
      }
      depth--;
    } else if (c === "\n" && depth === 0 && /^\s*$/.test(code.slice(i + 1, cursor))) break;
  }
  return [...new Set(out.filter((p) => p >= 0))];
}

/** `target?` / `target??`: the page, a Python-habit note when the name does not exist, or null. */
export function help_page(compiler: CellCompiler, prev_decl: string, target: string, opts: Options): Record<string, string> | null {
  const last = /[\w$]+$/.exec(target)?.[0] ?? target;
  const page = help_at(compiler, prev_decl, target, target.length - last.length, opts);
  const habit = PYTHON_HABITS[last];
  if (page) return page;
  if (!habit) return null;
  const text = `${target}: not in bertlab (TypeScript).\n\n${habit}`;
  return { "text/plain": text, "text/markdown": `\`${target}\`: not in bertlab (TypeScript).\n\n${habit}` };
}

/** The hint for `Property 'X' does not exist on type …` (TS2339 / TS2551), when X is a Python habit. */
export function habit_hint(message: string): string | null {
  const m = /^Property '([\w$]+)' does not exist on type/.exec(message);
  return m && Object.prototype.hasOwnProperty.call(PYTHON_HABITS, m[1]) ? PYTHON_HABITS[m[1]] : null;
}

/** A section of the page: a title and its lines (plain), or code (markdown fences). */
type Section = { title: string; lines: string[]; code?: boolean };

function build_page(ts: TsModule, checker: Checker, sf: Node, pos: number, opts: Options): Record<string, string> | null {
  const node = ts.getTouchingPropertyName(sf, pos);
  if (!node || node === sf) return null;
  const sym0: Sym = checker.getSymbolAtLocation(node);
  if (!sym0) return null;
  const sym: Sym = sym0.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym0) : sym0;
  const F = ts.SymbolFlags;
  const TF = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
  const text = (parts: unknown) => ts.displayPartsToString(parts as never);
  const name = sym.getName();
  const sections: Section[] = [];
  const quick = ts.getQuickInfoAtPosition(sf, checker, undefined, pos);
  const heading = quick ? text(quick.displayParts).replace(/\nimport .*$/, "") : name;
  const type = checker.getTypeOfSymbolAtLocation(sym, node);
  const is_class = !!(sym.flags & F.Class);

  // signatures: a class's constructors, a function's / method's overloads, a callable value's
  const sigs: Array<{ label: string; sig: any }> = [];
  if (is_class) for (const s of type.getConstructSignatures()) sigs.push({ label: `new ${name}`, sig: s });
  for (const s of type.getCallSignatures()) sigs.push({ label: name, sig: s });
  if (sigs.length) {
    const lines: string[] = [];
    for (const { label, sig } of sigs) {
      lines.push(label + checker.signatureToString(sig, undefined, TF | ts.TypeFormatFlags.WriteArrowStyleSignature).replace(/ => /, ": "));
      const doc = text(sig.getDocumentationComment(checker));
      if (doc && sigs.length > 1) lines.push(...indent(doc.split("\n")[0], "    "));
    }
    sections.push({ title: sigs.length > 1 ? `Signatures (${sigs.length} overloads)` : "Signature", lines, code: true });
  }

  // the doc comment (the symbol's, else the first signature's) and its tags
  let doc = text(sym.getDocumentationComment(checker));
  let tags: Array<{ name: string; text?: unknown }> = sym.getJsDocTags(checker) ?? [];
  if (!doc && sigs.length) {
    doc = text(sigs[0].sig.getDocumentationComment(checker));
    tags = sigs[0].sig.getJsDocTags?.() ?? tags;
  }
  const tag_lines = tags.map((t) => {
    const body = Array.isArray(t.text) ? text(t.text) : String(t.text ?? "");
    return t.name === "example" ? `@example\n${body}` : `@${t.name}${body ? " " + body : ""}`;
  });
  if (doc || tag_lines.length) sections.push({ title: "Docstring", lines: [doc, ...tag_lines].filter(Boolean).join("\n\n").split("\n") });
  // IPython's "Init docstring": the constructor's own doc comment
  const init_doc = is_class ? [...new Set(sigs.filter((s) => s.label.startsWith("new ")).map((s) => text(s.sig.getDocumentationComment(checker))).filter(Boolean))] : [];
  if (init_doc.length) sections.push({ title: "Init docstring", lines: init_doc.join("\n").split("\n") });

  // option objects among the parameters: every field, its type, doc and default
  const seen = new Set<string>();
  for (const { sig } of sigs) {
    for (const p of sig.getParameters()) {
      const pt = checker.getTypeOfSymbolAtLocation(p, node);
      const fields = option_fields(ts, checker, pt, node);
      if (!fields.length) continue;
      const key = p.getName() + ":" + fields.map((f) => f.split(" ")[0]).join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      sections.push({ title: `Options (${p.getName()}: ${checker.typeToString(pt, undefined, TF)})`.slice(0, 160), lines: fields });
    }
  }

  // a class's members, or an instance's class (its doc and members)
  let cls: Sym | null = is_class ? sym : null;
  if (!cls && sym.flags & (F.Variable | F.Property) && !type.getCallSignatures().length) {
    const ts_sym = type.getSymbol?.();
    if (ts_sym && ts_sym.flags & F.Class) {
      cls = ts_sym;
      const cdoc = text(ts_sym.getDocumentationComment(checker));
      sections.push({ title: `Class ${ts_sym.getName()}`, lines: cdoc ? cdoc.split("\n") : [] });
    }
  }
  if (cls) {
    const statics = is_class ? members(ts, checker, type, node, true) : [];
    if (statics.length) sections.push({ title: "Static members", lines: statics });
    const inst = members(ts, checker, checker.getDeclaredTypeOfSymbol(cls), node, false);
    if (inst.length) sections.push({ title: "Members", lines: inst });
  }

  const decl = (sym.declarations ?? [])[0];
  const file = decl?.getSourceFile().fileName as string | undefined;
  const from_cell = !!file && /__(prev(_\d+)?__\.d|tslab__|cell_\d+__)\.ts$/.test(file);
  const where = from_cell ? "(defined in a cell)" : file ? source_file_for(file) ?? file : "";
  if (where) sections.push({ title: "File", lines: [where] });
  if (opts.detail >= 1) {
    const src = from_cell ? cell_source(ts, qualified_names(ts, sym), opts.cells) : file ? library_source(ts, qualified_names(ts, sym), file) : null;
    sections.push({ title: "Source", lines: (src ?? "(no source found)").split("\n"), code: !!src });
  }

  const plain = [heading, ...sections.map((s) => `${s.title}:\n${s.lines.map((l) => (l ? "  " + l : "")).join("\n")}`)].join("\n\n");
  const md = [
    "```typescript\n" + heading + "\n```",
    ...sections.map((s) => `**${s.title}**\n\n` + (s.code ? "```typescript\n" + s.lines.join("\n") + "\n```" : s.lines.join("\n").replace(/^(@example)\n([\s\S]*)$/m, "*$1*\n```typescript\n$2\n```"))),
  ].join("\n\n");
  return { "text/plain": plain, "text/markdown": md };
}

function indent(s: string, by: string): string[] {
  return s ? [by + s] : [];
}

/** The fields of an option-object type (or of the object members of a union): `name?: type = default — doc`. */
function option_fields(ts: TsModule, checker: Checker, t: any, node: Node): string[] {
  const parts: any[] = t.isUnion?.() ? t.types : [t];
  const out: string[] = [];
  for (const part of parts) {
    if (!(part.flags & ts.TypeFlags.Object) || part.getCallSignatures().length || checker.isArrayType?.(part)) continue;
    const s = part.getSymbol?.() ?? part.aliasSymbol;
    if (s && s.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function | ts.SymbolFlags.Method)) continue;
    if (s && /^(Array|ReadonlyArray|Map|Set|Promise|Float32Array|Int32Array|Uint8Array|Tensor\w*)$/.test(s.getName())) continue;
    const props = checker.getPropertiesOfType(part);
    if (!props.length || props.length > 80) continue;
    for (const p of props) {
      const pt = checker.getTypeOfSymbolAtLocation(p, node);
      const opt = p.flags & ts.SymbolFlags.Optional ? "?" : "";
      const tags: Array<{ name: string; text?: unknown }> = p.getJsDocTags(checker) ?? [];
      const def = tags.find((x) => x.name === "default" || x.name === "defaultValue");
      const def_text = def ? ts.displayPartsToString(def.text as never).trim() : "";
      const doc = ts.displayPartsToString(p.getDocumentationComment(checker)).split("\n")[0];
      const type = checker.typeToString(pt, undefined, ts.TypeFormatFlags.NoTruncation).replace(/ \| undefined$/, "");
      out.push(`${p.getName()}${opt}: ${type}${def_text ? ` = ${def_text}` : ""}${doc ? ` — ${doc}` : ""}`);
    }
  }
  return out;
}

/** Public members of a type: methods with their signature (and overload count), properties with their type. */
function members(ts: TsModule, checker: Checker, t: any, node: Node, statics: boolean): string[] {
  const out: string[] = [];
  for (const p of checker.getPropertiesOfType(t)) {
    const name: string = p.getName();
    if (name.startsWith("_") || name.startsWith("#") || name.startsWith("__@") || (statics && name === "prototype")) continue;
    const decl = (p.declarations ?? [])[0];
    if (decl && ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    const pt = checker.getTypeOfSymbolAtLocation(p, node);
    const sigs = pt.getCallSignatures();
    const doc = ts.displayPartsToString(p.getDocumentationComment(checker)).split("\n")[0];
    const head =
      p.flags & ts.SymbolFlags.Method && sigs.length
        ? `${name}${checker.signatureToString(sigs[0], undefined, ts.TypeFormatFlags.NoTruncation)}${sigs.length > 1 ? ` (+${sigs.length - 1} overloads)` : ""}`
        : `${name}: ${checker.typeToString(pt, undefined, ts.TypeFormatFlags.NoTruncation)}`;
    out.push(head.length > 200 ? head.slice(0, 197) + "..." : head);
    if (doc) out.push(`    ${doc}`);
  }
  return out;
}

/** The names from the outermost container down: ["BertModel", "from_pretrained"]. */
function qualified_names(ts: TsModule, sym: Sym): string[] {
  const out: string[] = [];
  for (let s = sym; s && !(s.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule) && /^"/.test(s.getName())); s = s.parent) {
    if (/^"/.test(s.getName())) break;
    out.unshift(s.getName());
  }
  return out;
}

/** A dist .d.ts → the .ts source beside the package (…/dist/src/x.d.ts → …/src/x.ts), else the compiled .js. */
function source_file_for(dts: string): string | null {
  if (!dts.endsWith(".d.ts")) return fs.existsSync(dts) ? dts : null;
  const m = /^(.*)[\\/]dist[\\/](.*)\.d\.ts$/.exec(dts);
  if (m) {
    const ts_src = path.join(m[1], `${m[2]}.ts`);
    if (fs.existsSync(ts_src)) return ts_src;
  }
  const js = dts.replace(/\.d\.ts$/, ".js");
  return fs.existsSync(js) ? js : null;
}

/** The text of the declaration named by `names` (with its doc comment) in a source text, or null. */
function find_declaration(ts: TsModule, code: string, names: string[]): string | null {
  const sf = ts.createSourceFile("x.ts", code, ts.ScriptTarget.Latest, true);
  const name_of = (n: Node): string | undefined => (n.name && ts.isIdentifier(n.name) ? n.name.text : undefined);
  // every match at the last level: a method's overload signatures and its implementation are siblings
  const found: Node[] = [];
  const search = (n: Node, depth: number): void => {
    if (found.length && depth < names.length - 1) return;
    const nm = name_of(n);
    if (nm === names[depth]) {
      if (depth === names.length - 1) {
        found.push(ts.isVariableDeclaration(n) ? n.parent?.parent ?? n : n);
        return;
      }
      n.forEachChild((c: Node) => search(c, depth + 1));
      return;
    }
    // `exports.X = X` / `Object.defineProperty(exports, ...)` are skipped: only declarations carry names
    if (depth === 0 || !found.length) n.forEachChild((c: Node) => search(c, depth));
  };
  search(sf, 0);
  if (!found.length) return null;
  const same = found.filter((f) => f.parent === found[0].parent);
  const start = same[0].getStart(sf, true);
  const column = start - (code.lastIndexOf("\n", start - 1) + 1);
  // dedented by the declaration's own indentation (a method inside its class)
  return code
    .slice(start, same[same.length - 1].end)
    .split("\n")
    .map((l, i) => (i === 0 ? l : l.slice(Math.min(column, /^\s*/.exec(l)![0].length))))
    .join("\n");
}

function library_source(ts: TsModule, names: string[], dts: string): string | null {
  const file = source_file_for(dts);
  if (!file) return null;
  try {
    const text = find_declaration(ts, fs.readFileSync(file, "utf8"), names);
    if (!text) return null;
    const lines = text.split("\n");
    return lines.length > 400 ? [...lines.slice(0, 400), `… (${lines.length - 400} more lines in ${file})`].join("\n") : text;
  } catch {
    return null;
  }
}

/** A name a cell declared: its declaration in the latest cell that has one. */
function cell_source(ts: TsModule, names: string[], cells: string[]): string | null {
  for (let i = cells.length - 1; i >= 0; i--) {
    const text = find_declaration(ts, cells[i], names);
    if (text) return text;
  }
  return null;
}
