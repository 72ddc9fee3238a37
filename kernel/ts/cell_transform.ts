// How a cell's top-level names live across cells, as a TypeScript transformer that runs before TypeScript's own
// (the cell is then emitted as CommonJS). One module's semantics, with IPython's rebinding:
// - a name the cell declares stays a local binding of the cell; once its declaration has run, `exports` gets an
//   accessor for it (`get`/`set` reach that binding), so closures in the cell and assignments in later cells
//   (`x = 5`, `x++`) see one variable, and a name whose declaration never ran (the cell threw first) is not defined;
//   function declarations are hoisted, as in a module: their accessors come first;
// - a name of an earlier cell is read through `__bl_prev`, the accessors `exports` had when the cell started, so a
//   closure keeps the binding it was written against even after a later cell redeclares the name;
// - a shorthand property `{ a }` (and `{ a = 1 } = o`) of an earlier name becomes `{ a: __bl_prev.a }`;
// - the cell's last expression statement is stored as `exports[LAST]` (the cell's value);
// - an earlier name that was declared ambient (`declare const x`, `declare function f`: marked AMBIENT in the
//   declarations) is no cell's binding: it stays a free identifier, the global the declaration describes;
// - `import V = N.In` of an earlier namespace reads it through `__bl_prev` as well;
// - `export * from "m"` exports the module's value names one by one (`export { a, b } from "m"`), so it rebinds
//   names earlier cells declared, and later cells see every name it brings (declarations_transformer turns it into
//   named imports in the cell's .d.ts); `export { a as b } from "m"` and `export * as ns from "m"` are imports for
//   the cells (reexports_as_imports, applied to the source before it is compiled).
// The cell's imports are exported by TypeScript itself (an `export { ... }` of them, getters at the import).
// `declare global { ... }` blocks are the compiler's: global_augmentations gives their text for the base program.
import type { TsModule } from "./compiler";

/** Where the cell's value is stored in `exports` (not an identifier, so no cell name can clash). */
export const LAST = " last";
/** The cell parameter holding the earlier cells' accessors, and the call that makes it. */
export const PREV = "__bl_prev";
export const BIND = "__bl_bind";
/** The comment that marks an ambient value declaration in a cell's .d.ts (and so in later cells' declarations). */
export const AMBIENT = "bl:ambient";
/** The comment that marks the imports an `export * from` became in a cell's .d.ts (taken in after the cell's other names). */
export const STAR = "bl:star";

type Node = { kind: number; parent?: Node; pos: number; end: number };
type Ts = TsModule;

/** The accessors of `names` in `exports` now (a name defined as a plain value reads and writes `exports`). */
export function bind_prev(exports: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) {
    const d = Object.getOwnPropertyDescriptor(exports, n);
    if (d && (d.get || d.set)) Object.defineProperty(out, n, { get: d.get, set: d.set, enumerable: true });
    else Object.defineProperty(out, n, { get: () => exports[n], set: (v) => void (exports[n] = v), enumerable: true });
  }
  return out;
}

/** Whether `decl` is a top-level declaration of `file` (a statement of it, or inside one: declarator, import). */
function top_level_in(ts: Ts, decl: Node, file: Node): boolean {
  let n: Node | undefined = decl;
  // VariableDeclaration → VariableDeclarationList → VariableStatement; ImportSpecifier → NamedImports → ImportClause → ImportDeclaration
  while (n && n.parent && n.parent !== file) {
    const k = n.parent.kind;
    if (k !== ts.SyntaxKind.VariableDeclarationList && k !== ts.SyntaxKind.VariableStatement && k !== ts.SyntaxKind.NamedImports &&
      k !== ts.SyntaxKind.ImportClause && k !== ts.SyntaxKind.ImportDeclaration && k !== ts.SyntaxKind.NamespaceImport) return false;
    n = n.parent;
  }
  return !!n && n.parent === file;
}

/** The value names a top-level statement declares (destructuring included); [] for types and expressions. */
export function declared_values(ts: Ts, stmt: any): string[] {
  const out: string[] = [];
  const binding = (name: any) => {
    if (ts.isIdentifier(name)) out.push(name.text);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) binding(el.name);
  };
  const declared = (s: any) => !(ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Ambient);
  if (ts.isVariableStatement(stmt) && declared(stmt)) for (const d of stmt.declarationList.declarations) binding(d.name);
  else if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt)) && stmt.name && declared(stmt)) out.push(stmt.name.text);
  else if (ts.isEnumDeclaration(stmt) && declared(stmt) && !(ts.getCombinedModifierFlags(stmt) & ts.ModifierFlags.Const)) out.push(stmt.name.text);
  else if (ts.isModuleDeclaration(stmt) && ts.isIdentifier(stmt.name) && declared(stmt) && ts.getModuleInstanceState(stmt) === 1 /* Instantiated */) out.push(stmt.name.text);
  return out;
}

/** `var`s declared inside a top-level statement (`for (var i ...)`, `if (...) { var v }`): module-scope names too. */
function nested_vars(ts: Ts, stmt: any): string[] {
  const out: string[] = [];
  const walk = (n: any): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isModuleDeclaration(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) {
      const binding = (name: any) => {
        if (ts.isIdentifier(name)) out.push(name.text);
        else for (const el of name.elements) if (!ts.isOmittedExpression(el)) binding(el.name);
      };
      for (const d of n.declarations) binding(d.name);
    }
    ts.forEachChild(n, walk);
  };
  if (!ts.isVariableStatement(stmt) && !ts.isModuleDeclaration(stmt) && !(ts.getCombinedModifierFlags(stmt) & ts.ModifierFlags.Ambient)) ts.forEachChild(stmt, walk);
  return out;
}

/** Every name (value or type) a top-level statement declares, imports included. */
export function declared_names(ts: Ts, stmt: any): string[] {
  if (ts.isImportDeclaration(stmt)) {
    const c = stmt.importClause;
    if (!c) return [];
    const out: string[] = c.name ? [c.name.text] : [];
    if (c.namedBindings) {
      if (ts.isNamespaceImport(c.namedBindings)) out.push(c.namedBindings.name.text);
      else for (const el of c.namedBindings.elements) out.push(el.name.text);
    }
    return out;
  }
  if (ts.isImportEqualsDeclaration(stmt)) return [stmt.name.text];
  if ((ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) && stmt.name) return [stmt.name.text];
  if (ts.isModuleDeclaration(stmt) && ts.isIdentifier(stmt.name)) return stmt.flags & ts.NodeFlags.GlobalAugmentation ? [] : [stmt.name.text];
  if (ts.isEnumDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isFunctionDeclaration(stmt)) return stmt.name ? [stmt.name.text] : [];
  if (ts.isVariableStatement(stmt)) {
    const out: string[] = [];
    const binding = (name: any) => {
      if (ts.isIdentifier(name)) out.push(name.text);
      else for (const el of name.elements) if (!ts.isOmittedExpression(el)) binding(el.name);
    };
    for (const d of stmt.declarationList.declarations) binding(d.name);
    return out;
  }
  return nested_vars(ts, stmt);
}

/**
 * The transformer factory for a cell. `decls` is the earlier cells' declaration file (the cell's scope parent),
 * `checker` the program's, `imports` the names the cell imports (exported by TypeScript at the import: the export
 * list at the cell's end is cut down to them). `seen.last` tells whether the cell has a value, `seen.stars` what its
 * `export * from` statements bring.
 */
export function cell_transformer(ts: Ts, checker: any, decls: Node, imports: ReadonlySet<string>, seen: Seen): (ctx: any) => (sf: any) => any {
  const f = ts.factory;
  const prev_access = (name: string) => f.createPropertyAccessExpression(f.createIdentifier(PREV), f.createIdentifier(name));

  return (ctx: any) => (sf: any) => {
    const used = new Set<string>();
    const is_prev = (symbol: any): boolean => {
      if (!symbol) return false;
      for (const d of symbol.declarations ?? []) {
        if (d.getSourceFile() !== decls || ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d) || !top_level_in(ts, d, decls)) continue;
        if (!is_ambient_mark(ts, decls, d)) return true;
      }
      return false;
    };
    const stars = star_exports(ts, checker, sf, seen);
    /** `N.In` (an entity name) as `__bl_prev.N.In` when N is an earlier cell's name, else undefined. */
    const prev_entity = (n: any): any => {
      if (ts.isIdentifier(n)) {
        if (!is_prev(checker.getSymbolAtLocation(n))) return undefined;
        used.add(n.text);
        return prev_access(n.text);
      }
      const left = prev_entity(n.left);
      return left && f.createPropertyAccessExpression(left, n.right);
    };
    /** `import V = N.In` of an earlier value as `var V = __bl_prev.N.In` (TypeScript's own emit would read `N`). */
    const import_alias = (node: any): any => {
      if (node.isTypeOnly) return node;
      const alias = checker.getSymbolAtLocation(node.name);
      const target = alias && checker.getAliasedSymbol(alias);
      if (!target || !(target.flags & ts.SymbolFlags.Value)) return node;
      const ref = prev_entity(node.moduleReference);
      if (!ref) return node;
      return ts.setTextRange(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(node.name.text, undefined, undefined, ref)])), node);
    };
    const visit = (node: any): any => {
      // a class's `extends X` is an expression (ExpressionWithTypeArguments counts as a type node); `implements` is not
      if (ts.isExpressionWithTypeArguments(node) && ts.isHeritageClause(node.parent) && node.parent.token === ts.SyntaxKind.ExtendsKeyword &&
        ts.isClassLike(node.parent.parent)) return ts.visitEachChild(node, visit, ctx);
      if (ts.isImportEqualsDeclaration(node) && !ts.isExternalModuleReference(node.moduleReference)) return import_alias(node);
      if (ts.isExportDeclaration(node) && !node.exportClause && node.moduleSpecifier && !node.isTypeOnly) {
        // `export * from "m"`: its value names one by one (defined anew, so they rebind earlier cells' names)
        const names = stars.get(node.moduleSpecifier.text)?.values ?? [];
        return f.createExportDeclaration(undefined, false, f.createNamedExports(names.map((n) => f.createExportSpecifier(false, undefined, n))), node.moduleSpecifier);
      }
      if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isImportDeclaration(node) ||
        ts.isExportDeclaration(node) || ts.isImportEqualsDeclaration(node)) return node;
      if (ts.isIdentifier(node)) {
        const p = node.parent;
        // names that are not references: a property name after `.`, labels
        if (p && ((ts.isPropertyAccessExpression(p) && p.name === node) || ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p))) return node;
        if (!is_prev(checker.getSymbolAtLocation(node))) return node;
        used.add(node.text);
        return ts.setTextRange(prev_access(node.text), node);
      }
      if (ts.isShorthandPropertyAssignment(node) && is_prev(checker.getShorthandAssignmentValueSymbol(node))) {
        used.add(node.name.text);
        let value = prev_access(node.name.text);
        if (node.objectAssignmentInitializer) value = f.createAssignment(value, ts.visitNode(node.objectAssignmentInitializer, visit));
        return ts.setTextRange(f.createPropertyAssignment(node.name.text, value), node);
      }
      return ts.visitEachChild(node, visit, ctx);
    };

    const accessors = (names: string[]) =>
      names.map((n) =>
        f.createExpressionStatement(
          f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Object"), "defineProperty"), undefined, [
            f.createIdentifier("exports"),
            f.createStringLiteral(n),
            f.createObjectLiteralExpression([
              f.createPropertyAssignment("get", f.createArrowFunction(undefined, undefined, [], undefined, undefined, f.createIdentifier(n))),
              f.createPropertyAssignment("set", f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, "__bl_v")], undefined, undefined,
                f.createBlock([f.createExpressionStatement(f.createAssignment(f.createIdentifier(n), f.createIdentifier("__bl_v")))]))),
              f.createPropertyAssignment("enumerable", f.createTrue()),
              f.createPropertyAssignment("configurable", f.createTrue()),
            ]),
          ]),
        ),
      );

    const hoisted: any[] = [];
    const body: any[] = [];
    const statements = sf.statements;
    // the last expression statement (after trailing export lists) is the cell's value
    let last = -1;
    for (let i = statements.length - 1; i >= 0; i--) {
      if (ts.isExportDeclaration(statements[i])) continue;
      if (ts.isExpressionStatement(statements[i])) last = i;
      break;
    }
    statements.forEach((stmt: any, i: number) => {
      if (ts.isExportDeclaration(stmt) && stmt.exportClause && ts.isNamedExports(stmt.exportClause) && !stmt.moduleSpecifier) {
        const kept = stmt.exportClause.elements.filter((el: any) => imports.has(el.name.text));
        if (kept.length) body.push(f.updateExportDeclaration(stmt, stmt.modifiers, false, f.updateNamedExports(stmt.exportClause, kept), undefined, undefined));
        return;
      }
      const visited = visit(stmt);
      if (i === last) {
        seen.last = true;
        const target = f.createElementAccessExpression(f.createIdentifier("exports"), f.createStringLiteral(LAST));
        body.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(target, visited.expression)), stmt));
        return;
      }
      body.push(visited);
      const names = declared_values(ts, stmt);
      if (!names.length) names.push(...nested_vars(ts, stmt));
      if (ts.isFunctionDeclaration(stmt)) hoisted.push(...accessors(names));
      else body.push(...accessors(names));
    });
    const bind = used.size
      ? [f.createVariableStatement(undefined, f.createVariableDeclarationList([
        f.createVariableDeclaration(PREV, undefined, undefined, f.createCallExpression(f.createIdentifier(BIND), undefined, [
          f.createIdentifier("exports"), f.createArrayLiteralExpression([...used].map((n) => f.createStringLiteral(n))),
        ])),
      ], ts.NodeFlags.Const))]
      : [];
    return f.updateSourceFile(sf, [...bind, ...hoisted, ...body]);
  };
}

/** What the transformers found out about a cell: whether it has a value, the names of its `export * from`s by module. */
export type Seen = { last: boolean; stars?: Map<string, { values: string[]; types: string[] }> };

/** Whether a declaration of the earlier cells' file is marked AMBIENT (its statement's leading comment). */
function is_ambient_mark(ts: Ts, decls: any, d: any): boolean {
  let stmt = d;
  while (stmt.parent && stmt.parent !== decls) stmt = stmt.parent;
  for (const c of ts.getLeadingCommentRanges(decls.text, stmt.pos) ?? []) if (decls.text.slice(c.pos, c.end).includes(AMBIENT)) return true;
  return false;
}

/**
 * The names each `export * from "m"` of the cell brings (by module name): the module's exports but `default` and
 * the names the cell declares itself (a module's own declarations win over `export *`), values and types apart.
 */
export function star_exports(ts: Ts, checker: any, sf: any, seen: Seen): Map<string, { values: string[]; types: string[] }> {
  if (seen.stars) return seen.stars;
  const out = new Map<string, { values: string[]; types: string[] }>();
  seen.stars = out;
  if (!sf.statements.some((s: any) => ts.isExportDeclaration(s) && !s.exportClause && s.moduleSpecifier)) return out;
  const own = new Set<string>();
  for (const stmt of sf.statements) if (!ts.isExportDeclaration(stmt)) for (const n of declared_names(ts, stmt)) own.add(n);
  for (const stmt of sf.statements) {
    if (!ts.isExportDeclaration(stmt) || stmt.exportClause || !stmt.moduleSpecifier || stmt.isTypeOnly) continue;
    const module = checker.getSymbolAtLocation(stmt.moduleSpecifier);
    const entry = out.get(stmt.moduleSpecifier.text) ?? { values: [], types: [] };
    for (const sym of module ? checker.getExportsOfModule(module) : []) {
      const name = sym.escapedName as string;
      if (name === "default" || name === "export=" || own.has(name)) continue;
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      (target.flags & ts.SymbolFlags.Value ? entry.values : entry.types).push(name);
    }
    out.set(stmt.moduleSpecifier.text, entry);
  }
  return out;
}

/**
 * The transformer of a cell's .d.ts output (after TypeScript's declaration transform): an ambient value declaration
 * of the cell (`declare const x`) gets the AMBIENT mark, and `export * from "m"` becomes an import of the names it
 * brings (`import { a, b, T } from "m"`), so later cells see them. `cell` is the cell's source file.
 */
export function declarations_transformer(ts: Ts, checker: any, cell: any, seen: Seen): (ctx: any) => (sf: any) => any {
  const ambient = new Set<string>();
  for (const stmt of cell.statements) {
    if (!(ts.getCombinedModifierFlags(stmt) & ts.ModifierFlags.Ambient) || ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) continue;
    if (ts.isModuleDeclaration(stmt) && (!ts.isIdentifier(stmt.name) || stmt.flags & ts.NodeFlags.GlobalAugmentation)) continue;
    for (const n of declared_names(ts, stmt)) ambient.add(n);
  }
  const f = ts.factory;
  return () => (sf: any) => {
    const stars = star_exports(ts, checker, cell, seen);
    const statements = sf.statements.map((stmt: any) => {
      if (ts.isExportDeclaration(stmt) && !stmt.exportClause && stmt.moduleSpecifier && !stmt.isTypeOnly) {
        const s = stars.get(stmt.moduleSpecifier.text);
        const names = s ? [...s.values, ...s.types] : [];
        if (!names.length) return stmt;
        const specifiers = names.map((n) => f.createImportSpecifier(false, undefined, f.createIdentifier(n)));
        const imp = f.createImportDeclaration(undefined, f.createImportClause(false, undefined, f.createNamedImports(specifiers)), f.createStringLiteral(stmt.moduleSpecifier.text));
        // in its own cell `export *` binds nothing: a `typeof c` there is the earlier `c` (DeclEnv takes these in last)
        return ts.addSyntheticLeadingComment(imp, ts.SyntaxKind.MultiLineCommentTrivia, STAR, true);
      }
      const value = ts.isVariableStatement(stmt) || ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt) ||
        (ts.isModuleDeclaration(stmt) && ts.isIdentifier(stmt.name) && !(stmt.flags & ts.NodeFlags.GlobalAugmentation));
      if (value && declared_names(ts, stmt).some((n) => ambient.has(n))) ts.addSyntheticLeadingComment(stmt, ts.SyntaxKind.MultiLineCommentTrivia, AMBIENT, true);
      return stmt;
    });
    return f.updateSourceFile(sf, statements);
  };
}

/**
 * A cell's re-exports as imports, in place (`export` and `import` are both six letters: offsets hold):
 * `export { a as b } from "m"` and `export * as ns from "m"` declare `b` / `ns` for later cells, as the imports
 * they become. `export * from "m"` stays (the transformers handle it); so does a re-export of or as `default`.
 * Statements are rewritten from the last: an edit moves only what follows it.
 */
export function reexports_as_imports(ts: Ts, src: string): string {
  if (!/\bexport\b/.test(src)) return src;
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  let out = src;
  for (const stmt of [...sf.statements].reverse()) {
    // `export default class { }` / `export default function () { }` (no name): the class or function is the cell's
    // value, as for `export default e` — `(class { })`, the one character more at its end
    if ((ts.isClassDeclaration(stmt) || ts.isFunctionDeclaration(stmt)) && !stmt.name && stmt.modifiers?.length) {
      const mods = stmt.modifiers.filter((m: any) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword);
      if (mods.length !== 2 || stmt.modifiers.some((m: any) => m.kind === ts.SyntaxKind.AbstractKeyword || ts.isDecorator(m))) continue;
      const a = mods[0].getStart(sf);
      const b = mods[1].end;
      out = out.slice(0, a) + "(" + " ".repeat(b - a - 1) + out.slice(b, stmt.end) + ")" + out.slice(stmt.end);
      continue;
    }
    if (!ts.isExportDeclaration(stmt) || !stmt.moduleSpecifier || !stmt.exportClause) continue;
    const c = stmt.exportClause;
    // what each becomes is a local name: an identifier, not `default` (`default as x` imports fine)
    const locals = ts.isNamespaceExport(c) ? [c.name] : c.elements.map((el: any) => el.name);
    if (locals.some((n: any) => !ts.isIdentifier(n) || n.text === "default")) continue;
    if (!ts.isNamespaceExport(c) && c.elements.some((el: any) => el.propertyName && !ts.isIdentifier(el.propertyName))) continue;
    const at = stmt.getStart(sf);
    out = out.slice(0, at) + "import" + out.slice(at + "export".length);
  }
  return out;
}

/** Whether a statement is `declare global { ... }` or a module augmentation `declare module "m" { ... }`. */
export function is_augmentation(ts: Ts, s: any): boolean {
  return ts.isModuleDeclaration(s) && (s.flags & ts.NodeFlags.GlobalAugmentation || ts.isStringLiteral(s.name)) && !!s.body && ts.isModuleBlock(s.body);
}

/** What an augmentation augments: `global`, or the module's name as written (`"bertlab"`). */
export function augmented(ts: Ts, s: any): string {
  return s.flags & ts.NodeFlags.GlobalAugmentation ? "global" : JSON.stringify(s.name.text);
}

/**
 * The text of the `declare global { ... }` blocks of the earlier cells' declarations and of the cell, for the base
 * program (a file outside the program, as cells are, augments no globals). A name the cell's blocks declare
 * replaces the earlier block of that name (the declarations keep one block per name): rebinding, as elsewhere.
 * The imports (the cell's, else the earlier cells') of the names the blocks use come first, so a block may use an
 * imported type; a cell's own interface it cannot. Module augmentations (`declare module "m" { ... }`) go the same way.
 */
export function global_augmentations(ts: Ts, decls: any, cell: any): string {
  const blocks = (sf: any) => sf.statements.filter((s: any) => is_augmentation(ts, s));
  const mine = blocks(cell);
  if (!mine.length && !/\bdeclare (global|module)\b/.test(decls.text)) return "";
  const names = (b: any) => b.body.statements.flatMap((s: any) => declared_names(ts, s).map((n) => `${augmented(ts, b)}.${n}`));
  const redeclared = new Set(mine.flatMap(names));
  let out = "";
  for (const b of blocks(decls)) if (!names(b).some((n: string) => redeclared.has(n))) out += decls.text.slice(b.getStart(decls), b.end) + "\n";
  for (const b of mine) out += cell.text.slice(b.getStart(cell), b.end) + "\n";
  if (!out) return "";
  const imports = new Map<string, string>();
  for (const sf of [decls, cell]) {
    for (const stmt of sf.statements) {
      if (!ts.isImportDeclaration(stmt) && !(ts.isImportEqualsDeclaration(stmt) && ts.isExternalModuleReference(stmt.moduleReference))) continue;
      const text = sf.text.slice(stmt.getStart(sf), stmt.end);
      for (const n of declared_names(ts, stmt)) if (new RegExp(`(^|[^\\w$.])${n.replace(/\$/g, "\\$")}(?![\\w$])`).test(out)) imports.set(n, text);
    }
  }
  return [...new Set(imports.values())].map((t) => t + "\n").join("") + out;
}
