// The names later cells see, as declarations (.d.ts text) by name. A cell's own declaration output is split into
// one entry per name (an import of three names is three imports, `declare const a: A, b: B` two statements;
// overloads, merged interfaces and a class with its namespace stay together), so a later cell that declares a name
// replaces exactly that name (IPython's rebinding: the new declaration wins, its type too — an interface, enum or
// namespace of the same name is replaced, not merged, as a rerun edited cell needs), and a cell that failed at run
// time adds only the names whose declarations ran. A `declare global { ... }` block is split the same way, one
// block per name, keyed `global.<name>` (a later cell's `declare global { var g: string }` replaces `g` only), and
// a module augmentation `declare module "m" { ... }` keyed `"m".<name>`; the compiler merges those blocks into the
// globals and the modules. A replaced declaration that other entries' types refer to
// (`declare const o: { a: typeof a }`, `const q: P`) stays under a hidden name they are pointed to, so an earlier
// value keeps its type when its name is rebound (as it keeps its value).
import type { TsModule } from "./compiler";
import { AMBIENT, STAR, augmented, is_augmentation } from "./cell_transform";

export class DeclEnv {
  private constructor(private readonly entries: ReadonlyMap<string, string>) {}

  static readonly empty = new DeclEnv(new Map());

  /** The declaration file text (what the next cell is checked against). */
  get text(): string {
    return [...this.entries.values()].join("");
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * This environment with a cell's declarations (`dts`, its .d.ts output) taken in. With `keep` (after a runtime
   * error) only its names among the cell's `declared` ones; helpers the declaration output made up (a class's
   * `X_base`) come along.
   */
  with_cell(ts: TsModule, dts: string, keep?: ReadonlySet<string>, declared?: ReadonlySet<string>): DeclEnv {
    const cell = split_declarations(ts, dts);
    if (cell.size === 0) return this;
    const next = new Map(this.entries);
    // the names an `export *` brings last, as if a cell of their own: the cell's other declarations that name an
    // earlier one of them (`{ c: typeof c }`) keep it, as retire() does across cells
    const star = (t: string) => t.startsWith(`/*${STAR}*/`);
    for (const [name, text] of [...cell].sort((a, b) => Number(star(a[1])) - Number(star(b[1])))) {
      if (keep && !keep.has(name) && (!declared || declared.has(name))) continue;
      const old = next.get(name);
      // the same declaration again (a cell run twice, an import repeated) names the same thing: nothing to keep
      if (old !== undefined && old !== text && !/^(global|")/.test(name)) retire(ts, next, name, old);
      next.delete(name); // re-insert: the newest declaration comes last
      next.set(name, text);
    }
    return new DeclEnv(next);
  }
}

let retired = 0;

/** Whether a name is a replaced declaration kept for earlier types (not one to offer in completions). */
export function is_retired(name: string): boolean {
  return /__bl_was\d+$/.test(name);
}

/**
 * Before `name`'s declaration `old` is replaced: when other entries' types refer to it, `old` is kept as a hidden
 * `<name>__bl_was<n>` and those references point there (in place: the entries keep their order).
 */
function retire(ts: TsModule, entries: Map<string, string>, name: string, old: string): void {
  const word = new RegExp(`(^|[^\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`);
  const users = [...entries].filter(([k, t]) => k !== name && word.test(t));
  if (!users.length) return;
  const hidden = `${name}__bl_was${++retired}`;
  let used = false;
  for (const [k, t] of users) {
    const r = rename(ts, t, name, hidden, false);
    if (r !== t) (used = true), entries.set(k, r);
  }
  if (used) entries.set(hidden, rename(ts, old, name, hidden, true));
}

/**
 * `text` (declarations) with the type-level references to `name` renamed `to` — a type `P`, `P.Q`, `typeof a`,
 * `extends a`, `import V = a.In` (not shadowed by a type parameter or parameter of that name) — and with
 * `declarations`, the names it declares too (`declare const a`, `class a`, `import { a }` → `import { a as to }`).
 */
function rename(ts: TsModule, text: string, name: string, to: string, declarations: boolean): string {
  const sf = ts.createSourceFile("__entry__.d.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Array<[number, number, string]> = [];
  const at = (id: any, replacement = to) => edits.push([id.getStart(sf), id.end, replacement]);
  const leftmost = (n: any): any => (ts.isIdentifier(n) ? n : ts.isQualifiedName(n) ? leftmost(n.left) : ts.isPropertyAccessExpression(n) ? leftmost(n.expression) : undefined);
  const shadowed = (n: any): boolean => {
    for (let p = n.parent; p; p = p.parent) {
      if (p.typeParameters?.some((t: any) => t.name.text === name)) return true;
      if (ts.isFunctionLike(p) && p.parameters?.some((q: any) => ts.isIdentifier(q.name) && q.name.text === name)) return true;
    }
    return false;
  };
  const ref = (n: any) => {
    const id = n && leftmost(n);
    if (id && id.text === name && !shadowed(id)) at(id);
  };
  const walk = (n: any): void => {
    if (ts.isTypeReferenceNode(n)) ref(n.typeName);
    else if (ts.isTypeQueryNode(n)) ref(n.exprName);
    else if (ts.isExpressionWithTypeArguments(n)) ref(n.expression);
    else if (ts.isImportEqualsDeclaration(n) && !ts.isExternalModuleReference(n.moduleReference)) ref(n.moduleReference);
    if (declarations) {
      if ((ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) ||
        ts.isEnumDeclaration(n) || (ts.isModuleDeclaration(n) && n.parent === sf) || ts.isImportEqualsDeclaration(n) || ts.isImportClause(n) || ts.isNamespaceImport(n)) &&
        n.name && ts.isIdentifier(n.name) && n.name.text === name) at(n.name);
      if (ts.isImportSpecifier(n) && n.name.text === name) at(n.name, n.propertyName ? to : `${name} as ${to}`);
    }
    ts.forEachChild(n, walk);
  };
  walk(sf);
  let out = text;
  for (const [a, b, r] of edits.sort((x, y) => y[0] - x[0])) out = out.slice(0, a) + r + out.slice(b);
  return out;
}

/** A .d.ts text → its declarations by name (text of the statements declaring it, each ending in a newline). */
export function split_declarations(ts: TsModule, dts: string): Map<string, string> {
  const sf = ts.createSourceFile("__cell__.d.ts", dts, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const f = ts.factory;
  const out = new Map<string, string>();
  const add = (name: string, text: string) => out.set(name, (out.get(name) ?? "") + text + "\n");
  const print = (node: unknown) => printer.printNode(ts.EmitHint.Unspecified, node, sf);
  for (const stmt of sf.statements) {
    if (is_augmentation(ts, stmt)) {
      // one `declare global` (`declare module "m"`) block per name: the block's own text split as a file's statements
      const inner = stmt.body.statements.length ? dts.slice(stmt.body.statements[0].getFullStart(), stmt.body.statements[stmt.body.statements.length - 1].getEnd()) : "";
      const what = augmented(ts, stmt);
      for (const [name, text] of split_declarations(ts, inner)) add(`${what}.${name}`, `declare ${what === "global" ? "global" : `module ${what}`} {\n${text}}`);
      continue;
    }
    if (ts.isExportDeclaration(stmt) || ts.isExportAssignment(stmt)) continue;
    if (ts.isImportDeclaration(stmt)) {
      const c = stmt.importClause;
      if (!c) continue;
      const mark = dts.slice(stmt.getFullStart(), stmt.getStart(sf)).includes(STAR) ? `/*${STAR}*/ ` : "";
      const one = (clause: unknown) => mark + print(f.updateImportDeclaration(stmt, stmt.modifiers, clause, stmt.moduleSpecifier, stmt.assertClause));
      if (c.name) add(c.name.text, one(f.updateImportClause(c, c.isTypeOnly, c.name, undefined)));
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) add(c.namedBindings.name.text, one(f.updateImportClause(c, c.isTypeOnly, undefined, c.namedBindings)));
      else if (c.namedBindings) {
        for (const el of c.namedBindings.elements) add(el.name.text, one(f.updateImportClause(c, c.isTypeOnly, undefined, f.createNamedImports([el]))));
      }
      continue;
    }
    const text = dts.slice(stmt.getFullStart(), stmt.getEnd()).replace(/^\s*\n/, "");
    if (ts.isVariableStatement(stmt) && stmt.declarationList.declarations.length === 1 && ts.isIdentifier(stmt.declarationList.declarations[0].name)) {
      add(stmt.declarationList.declarations[0].name.text, text); // as written, with its doc comment
      continue;
    }
    if (ts.isVariableStatement(stmt)) {
      const mark = dts.slice(stmt.getFullStart(), stmt.getStart(sf)).includes(AMBIENT) ? `/*${AMBIENT}*/ ` : "";
      for (const d of stmt.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue; // declaration output has no patterns
        add(d.name.text, mark + print(f.updateVariableStatement(stmt, stmt.modifiers, f.updateVariableDeclarationList(stmt.declarationList, [d]))));
      }
      continue;
    }
    const name = stmt.name && ts.isIdentifier(stmt.name) ? stmt.name.text : undefined;
    if (name) add(name, text);
  }
  return out;
}
