// The names later cells see, as declarations (.d.ts text) by name. A cell's own declaration output is split into
// one entry per name (an import of three names is three imports, `declare const a: A, b: B` two statements;
// overloads, merged interfaces and a class with its namespace stay together), so a later cell that declares a name
// replaces exactly that name (IPython's rebinding: the new declaration wins, its type too — an interface, enum or
// namespace of the same name is replaced, not merged, as a rerun edited cell needs), and a cell that failed at run
// time adds only the names whose declarations ran. A `declare global { ... }` block is split the same way, one
// block per name, keyed `global.<name>` (a later cell's `declare global { var g: string }` replaces `g` only); the
// compiler merges those blocks into the globals.
import type { TsModule } from "./compiler";
import { AMBIENT } from "./cell_transform";

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
    for (const [name, text] of cell) {
      if (keep && !keep.has(name) && (!declared || declared.has(name))) continue;
      next.delete(name); // re-insert: the newest declaration comes last
      next.set(name, text);
    }
    return new DeclEnv(next);
  }
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
    if (ts.isModuleDeclaration(stmt) && stmt.flags & ts.NodeFlags.GlobalAugmentation && stmt.body && ts.isModuleBlock(stmt.body)) {
      // one `declare global` block per name: the block's own text split as a file's statements
      const inner = stmt.body.statements.length ? dts.slice(stmt.body.statements[0].getFullStart(), stmt.body.statements[stmt.body.statements.length - 1].getEnd()) : "";
      for (const [name, text] of split_declarations(ts, inner)) add(`global.${name}`, `declare global {\n${text}}`);
      continue;
    }
    if (ts.isExportDeclaration(stmt) || ts.isExportAssignment(stmt)) continue;
    if (ts.isImportDeclaration(stmt)) {
      const c = stmt.importClause;
      if (!c) continue;
      const one = (clause: unknown) => print(f.updateImportDeclaration(stmt, stmt.modifiers, clause, stmt.moduleSpecifier, stmt.assertClause));
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
