// TypeScript for cells, on tslab's TypeScript 5.0.4 (pinned tslab 1.0.22; loaded lazily through a V8 code cache:
// it takes seconds otherwise). A cell is type-checked as a module whose scope's parent is the earlier cells'
// declarations (`__prev__.d.ts`, kept by decl_env.ts), then emitted as CommonJS through cell_transform.ts (how
// names live across cells), with its own .d.ts (what later cells see) and a source map to the cell's lines.
// One program per cell, made from the last one (TypeScript reuses every unchanged file: lib, @types/node and the
// packages' .d.ts are parsed and bound once), checking only the cell and the notebook's own .ts files it imports.
// Only @types/node is loaded as global types. The options are tslab's, so cells check as they did under tslab.
import * as fs from "fs";
import * as path from "path";
import Module from "module";
import { CachedModule, require_cached } from "./code_cache";
import { SnapshotData, SnapshotJob, ts_snapshot, typescript_path } from "./snapshot";
import { sys_with_kernel_bertlab } from "./resolve";
import { probe_quick_info } from "./help";
import { LAST, Seen, cell_transformer, declarations_transformer, declared_names, declared_values, global_augmentations, reexports_as_imports } from "./cell_transform";
import { LineMap, Position, decode_mappings, lookup } from "./sourcemap";

export type DiagnosticPos = { offset: number; line: number; character: number };
export type Diagnostic = { start: DiagnosticPos; end: DiagnosticPos; messageText: string; category: number; code: number; fileName?: string };
export type ConvertResult = {
  output?: string;
  /** The cell's own declarations (.d.ts text), for DeclEnv.with_cell. */
  declOutput?: string;
  diagnostics: Diagnostic[];
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  sideOutputs?: Array<{ path: string; data: string }>;
  /** Every top-level name the cell declares or imports (values and types), in the order of the cell. */
  names?: string[];
  /** Those of `names` that exist only as types (interfaces, type aliases, `declare`d names): nothing runs for them. */
  typeNames?: string[];
};
export type QuickInfo = {
  displayParts?: Array<{ text: string; kind: string }>;
  documentation?: Array<{ text: string; kind: string }>;
  tags?: Array<{ name: string; text?: Array<{ text: string }> | string }>;
  textSpan?: { start: number; length: number };
};

/** The TypeScript module tslab compiles with (typed loosely: it is TS 5.0's API, not the project's 5.9). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TsModule = any;

export type Compiled = ConvertResult & {
  /** Maps a position in `output` (CommonJS) to the cell's source (0-based lines), when the maps allow. */
  to_cell?: (pos: Position) => Position | null;
};

let ts_module: TsModule | null = null;
let ts_cache: CachedModule | null = null;
/** The startup snapshot this kernel came from (snapshot.ts), when it holds this TypeScript. */
let snapshot: SnapshotData | null = null;

/**
 * tslab's TypeScript 5.0.4: the instance in this process's startup snapshot (with its parsed declaration files),
 * else loaded through a V8 code cache (loading its 8 MB takes seconds otherwise).
 */
export function load_typescript(): TsModule {
  if (!ts_module) {
    const file = typescript_path();
    snapshot = ts_snapshot(file);
    if (snapshot) {
      const mod = new Module(file, module);
      mod.filename = file;
      mod.exports = snapshot.ts;
      mod.loaded = true;
      require.cache[file] ??= mod; // one TypeScript in the process
      ts_module = snapshot.ts;
    } else {
      ts_cache = require_cached(file);
      ts_module = ts_cache.exports;
    }
  }
  return ts_module;
}

/** Writes TypeScript's code cache (after warm-up: the compiler's functions are compiled by then); true on a hit. */
export function save_code_cache(): boolean {
  ts_cache?.save();
  return !!snapshot || !!ts_cache?.cache_hit;
}

/** The compiler options that shape a parsed and bound declaration file (the path options do not). */
function binding_options(options: Record<string, unknown>): Record<string, unknown> {
  const { typeRoots: _t, rootDir: _r, outDir: _o, ...rest } = options;
  return rest;
}

/** Makes a cell a module (and lets its scope's parent be the earlier cells' declarations). */
const PREFIX = "export {};\n";

/** A cell's source as the program sees it: `export` keywords blanked (same offsets), its names exported at the end. */
function prepare(ts: TsModule, src: string): { text: string; names: string[]; types: string[]; imports: Set<string> } {
  src = reexports_as_imports(ts, src); // re-exports are imports for the cells; `export default class {}` a value
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const blanks: Array<[number, number]> = [];
  const names = new Set<string>();
  const imports = new Set<string>();
  const values = new Set<string>();
  for (const stmt of sf.statements) {
    // `export const x` is `const x`; `export default e` is `e`; `export { a }` (nothing to re-export) goes
    if (ts.isExportDeclaration(stmt) && !stmt.moduleSpecifier) blanks.push([stmt.getStart(sf), stmt.getEnd()]);
    for (const m of (ts.canHaveModifiers(stmt) ? ts.getModifiers(stmt) : undefined) ?? []) {
      if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword) blanks.push([m.getStart(sf), m.getEnd()]);
    }
    if (ts.isExportAssignment(stmt) && !stmt.isExportEquals) blanks.push([stmt.getStart(sf), stmt.expression.getStart(sf)]);
    const is_import = ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt);
    // a `var` inside a loop or block is a value too (declared_names gives those for any other statement)
    const vals = new Set(ts.isDeclarationStatement(stmt) || ts.isVariableStatement(stmt) ? declared_values(ts, stmt) : declared_names(ts, stmt));
    for (const n of declared_names(ts, stmt)) {
      names.delete(n); // in the order of its last declaration
      names.add(n);
      if (is_import) imports.add(n);
      else imports.delete(n);
      if (is_import ? !stmt.importClause?.isTypeOnly : vals.has(n)) values.add(n);
    }
  }
  let text = src;
  for (const [a, b] of blanks.sort((x, y) => y[0] - x[0])) text = text.slice(0, a) + " ".repeat(b - a) + text.slice(b);
  // exported: TypeScript keeps the imports and writes every name into the cell's .d.ts
  if (names.size) text += `\nexport { ${[...names].join(", ")} };`;
  return { text, names: [...names], types: [...names].filter((n) => !values.has(n)), imports };
}

type CellProgram = { program: any; cell: any; decls: any };

/** Real files parsed so far, with their mtime (shared by every compiler in the process: a new one starts warm). */
const parsed = new Map<string, { sf: any; mtime: number; target: number }>();
/** Characters of declaration files parsed in this process (not found in the startup snapshot). */
let parsed_here = 0;
/**
 * Module names resolved from declaration files (`<folder>\0<name>` → TypeScript's resolved module), kept across
 * programs and in the startup snapshot: a package's imports resolve the same while the file they name exists
 * (each use checks that). Failed lookups are never kept, nor anything resolved from a cell or a notebook's .ts.
 */
const resolved_from_declarations = new Map<string, any>();

/**
 * The compiler host of the base program: real files parsed once and kept while their mtime holds (a rebuilt .d.ts
 * or an edited .ts is read again; TypeScript's own lib files never change), plus one file in memory, the anchor,
 * that imports every module the cells have used (so the program holds their declarations).
 */
class CellHost {
  readonly cwd: string;
  readonly anchor_file: string;
  readonly lib_dir: string;
  anchor = "";
  private anchor_sf: any = null;

  constructor(private readonly ts: TsModule, cwd: string) {
    this.cwd = cwd.replace(/\\/g, "/");
    this.anchor_file = `${this.cwd}/__bertlab_imports__.ts`;
    this.lib_dir = path.dirname(ts.getDefaultLibFilePath({})).replace(/\\/g, "/");
  }

  /** `globals`: the cells' `declare global` blocks (merged into the globals only in a file of the program). */
  set_anchor(specs: Iterable<string>, globals = ""): void {
    const text = [...specs].map((m) => `import ${JSON.stringify(m)};\n`).join("") + (globals && `export {};\n${globals}`);
    if (text !== this.anchor || !this.anchor_sf) this.anchor_sf = this.ts.createSourceFile(this.anchor_file, text, this.ts.ScriptTarget.ES2022, true);
    this.anchor = text;
  }

  /** A file's mtime (-1: none), looked up once per file while a base program is made (`stat_memo` set). */
  mtime(file: string): number {
    const memo = this.stat_memo?.get(file);
    if (memo !== undefined) return memo;
    let m = -1;
    try {
      m = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    } catch {
      m = -1;
    }
    this.stat_memo?.set(file, m);
    return m;
  }
  stat_memo: Map<string, number> | null = null;

  /** TypeScript's resolution cache while a base program is being made (null otherwise: a later lookup is fresh). */
  module_cache: any = null;

  host(options: object): any {
    const ts = this.ts;
    // "bertlab" from any folder (resolve.ts): the files TypeScript sees show the kernel's install when Node finds none
    const base = sys_with_kernel_bertlab(ts.createCompilerHost(options), this.cwd);
    const host: any = {
      ...base,
      getCurrentDirectory: () => this.cwd,
      // TypeScript passes a fresh options object per program: the cache keys on the language version in it.
      // No parent-pointer pass over these files (setParentNodes false, as TypeScript's own host parses them)
      getSourceFile: (file: string, target: number | { languageVersion: number }) => {
        if (file === this.anchor_file) return this.anchor_sf;
        const version = typeof target === "object" ? target.languageVersion : target;
        const hit = parsed.get(file);
        const lib = file.startsWith(this.lib_dir + "/");
        const mtime = lib && hit ? hit.mtime : this.mtime(file);
        if (hit && hit.mtime === mtime && hit.target === version) return hit.sf;
        const text = base.readFile(file);
        if (text === undefined) return undefined;
        if (hit && hit.target === version && hit.sf.text === text) {
          hit.mtime = mtime; // rewritten with the same text (a rebuild): still the same file
          return hit.sf;
        }
        const sf = ts.createSourceFile(file, text, target, false);
        parsed.set(file, { sf, mtime, target: version });
        if (file.endsWith(".d.ts")) parsed_here += text.length;
        return sf;
      },
      fileExists: (f: string) => f === this.anchor_file || base.fileExists(f),
      readFile: (f: string) => (f === this.anchor_file ? this.anchor : base.readFile(f)),
      resolveModuleNames: (names: string[], containing: string, _reused: unknown, redirected: unknown, opts: object) => {
        const keep = containing.endsWith(".d.ts");
        const dir = path.dirname(containing);
        return names.map((name) => {
          const key = `${dir}\0${name}`;
          const hit = keep ? resolved_from_declarations.get(key) : undefined;
          if (hit && this.mtime(hit.resolvedFileName) >= 0) return hit; // the same stat getSourceFile then uses
          const r = ts.resolveModuleName(name, containing, opts, host, this.module_cache ?? undefined, redirected).resolvedModule;
          if (keep && r) resolved_from_declarations.set(key, r);
          return r;
        });
      },
      writeFile: () => {
        throw new Error("the cell compiler writes no files");
      },
    };
    return host;
  }
}

/** The module names a file refers to: imports, re-exports, `import x = require()`, `import()` calls and types. */
function module_specifiers(ts: TsModule, sf: any): string[] {
  const out = new Set<string>();
  const lit = (n: any) => n && ts.isStringLiteralLike(n) && out.add(n.text);
  const walk = (n: any): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) lit(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) lit(n.moduleReference.expression);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) lit(n.argument.literal);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) lit(n.arguments[0]);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return [...out];
}

/** A TypeScript diagnostic as the kernel reports it: cell positions without the prefix, a chain flattened. */
function convert_diagnostics(ts: TsModule, diags: any[], cell_file: string, cwd: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diags) {
    if (!d.file) continue;
    let fileName: string | undefined;
    if (d.file.fileName !== cell_file) {
      const rel = path.relative(cwd, d.file.fileName);
      if (rel.startsWith("..")) continue;
      fileName = rel;
    }
    const pos = (offset: number): DiagnosticPos => {
      const lc = ts.getLineAndCharacterOfPosition(d.file, offset);
      return fileName === undefined ? { offset: offset - PREFIX.length, line: lc.line - 1, character: lc.character } : { offset, line: lc.line, character: lc.character };
    };
    const start = pos(d.start);
    const end = pos(d.start + d.length);
    const walk = (msg: any, first: boolean) => {
      out.push({ start, end, messageText: msg.messageText, category: msg.category, code: msg.code, ...(first && fileName !== undefined ? { fileName } : {}) });
      for (const next of msg.next ?? []) walk(next, false);
    };
    if (typeof d.messageText === "string") out.push({ start, end, messageText: d.messageText, category: d.category, code: d.code, ...(fileName !== undefined ? { fileName } : {}) });
    else walk(d.messageText, true);
  }
  return out;
}

/** An `await` (TS1308) or `for await` (TS1103, TS1432) outside any function: the cell runs as an async function. */
function is_top_level_await(ts: TsModule, sf: any, d: any): boolean {
  if (d.file !== sf || ![1308, 1103, 1431, 1432].includes(d.code)) return false;
  let node = ts.getTokenAtPosition(sf, d.start);
  for (; node && node !== sf; node = node.parent) {
    if (ts.isFunctionLike(node) || ts.isClassLike(node) || ts.isModuleDeclaration(node)) return false;
  }
  return true;
}

/** The cell compiler: TypeScript is loaded on first use (seconds), the program is rooted at the kernel's cwd. */
export class CellCompiler {
  private state: { ts: TsModule; host: CellHost; options: any } | null = null;
  private base: { program: any; specs: Set<string>; local: Map<string, number>; globals: string } | null = null;
  private resolutions = new Map<string, any>();
  private host_cache: any = null;
  private last_decl: { text: string; sf: any } | null = null;
  private serial = 0;
  /** Local .ts/.js files already emitted (by their parsed file), so each is sent to the runtime once per change. */
  private emitted = new WeakSet<object>();

  constructor(private readonly cwd: string = process.cwd()) {}

  get loaded(): boolean {
    return this.state !== null;
  }

  private get s() {
    if (!this.state) {
      const ts = load_typescript();
      const cwd = path.resolve(this.cwd);
      const type_roots = ts.getDefaultTypeRoots(cwd, { directoryExists: ts.sys.directoryExists }) ?? [];
      // @types/node from tslab's own folder when the notebook's has none
      if (!type_roots.some((r: string) => fs.existsSync(path.join(r, "node", "package.json")))) {
        type_roots.push(path.join(path.dirname(require.resolve("tslab/package.json")), "node_modules", "@types"));
      }
      const options = {
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        esModuleInterop: true,
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2022.d.ts"],
        types: ["node"],
        typeRoots: type_roots,
        declaration: true,
        sourceMap: true,
        newLine: ts.NewLineKind.LineFeed,
        noImplicitUseStrict: true,
        ignoreDeprecations: "5.0",
        experimentalDecorators: true,
        resolveJsonModule: true,
        jsx: ts.JsxEmit.React,
        allowJs: true,
        checkJs: true,
        disableTopLevelAwait: true,
        skipLibCheck: true,
        rootDir: cwd,
        outDir: path.join(cwd, "__bertlab_out__"),
      };
      // the startup snapshot's files were parsed and bound with these options: taken only when they are the same
      if (snapshot && snapshot.options === JSON.stringify(binding_options(options))) {
        for (const [file, entry] of snapshot.parsed) if (!parsed.has(file)) parsed.set(file, entry);
        for (const [key, r] of snapshot.resolutions ?? []) if (!resolved_from_declarations.has(key)) resolved_from_declarations.set(key, r);
      }
      this.state = { ts, host: new CellHost(ts, cwd), options };
    }
    return this.state;
  }

  /**
   * The program for (declarations, cell). The base program (lib, @types/node, the anchor and what it imports) stays
   * across cells, and with it its type checker, which keeps what it worked out about the packages' declarations
   * (a new checker per cell would resolve bertlab's and tfjs's types anew: tens of ms). The cell and the
   * declarations file are parsed, given their module resolutions and bound here, and checked by that checker as
   * files outside the program (the cell's scope parent is the declarations file). The base program is made anew
   * (from the old one: unchanged files are reused) when a cell imports a module it lacks or a notebook file in it
   * changed on disk.
   */
  private program(prev_decl: string, text: string): CellProgram {
    const s = this.s;
    const ts = s.ts;
    const n = ++this.serial;
    // a file name of its own per cell: the checker keeps diagnostics by file name
    const decls = this.last_decl?.text === prev_decl ? this.last_decl.sf : this.parse(`${s.host.cwd}/__prev_${n}__.d.ts`, prev_decl);
    this.last_decl = { text: prev_decl, sf: decls };
    const cell = this.parse(`${s.host.cwd}/__cell_${n}__.ts`, text);
    const specs = [...module_specifiers(ts, decls), ...module_specifiers(ts, cell)];
    const resolved = new Map<string, any>();
    const resolve = () => {
      for (const m of specs) resolved.set(m, this.resolve(m));
    };
    resolve();
    const missing = specs.filter((m) => {
      const r = resolved.get(m)?.resolvedModule;
      return r ? !this.base?.program.getSourceFile(r.resolvedFileName) : !this.base?.specs.has(m);
    });
    const globals = global_augmentations(ts, decls, cell);
    if (!this.base || missing.length || this.stale() || globals !== this.base.globals) {
      this.rebuild([...(this.base?.specs ?? []), ...missing], globals);
      resolve();
    }
    const program = this.base!.program;
    for (const sf of decls.resolvedModules ? [cell] : [decls, cell]) {
      for (const m of module_specifiers(ts, sf)) ts.setResolvedModule(sf, m, resolved.get(m), undefined);
      ts.bindSourceFile(sf, s.options);
    }
    cell.parent = decls; // earlier cells' names resolve after the cell's own
    return { program, cell, decls };
  }

  private parse(file: string, text: string): any {
    const ts = this.s.ts;
    const sf = ts.createSourceFile(file, PREFIX + text, ts.ScriptTarget.ES2022, true, file.endsWith(".d.ts") ? ts.ScriptKind.TS : ts.ScriptKind.TS);
    sf.path = sf.resolvedPath = sf.originalFileName = file;
    return sf;
  }

  /**
   * A module name as a cell in the kernel's folder resolves it (found ones are kept; a missing one is looked up
   * again) — through the host's resolveModuleNames when it has one, as the base program does.
   */
  private resolve(spec: string): any {
    const hit = this.resolutions.get(spec);
    if (hit) return hit;
    const s = this.s;
    const h = this.host_object;
    const r = h.resolveModuleNames
      ? { resolvedModule: h.resolveModuleNames([spec], s.host.anchor_file, undefined, undefined, s.options)[0] }
      : s.ts.resolveModuleName(spec, s.host.anchor_file, s.options, h);
    if (r.resolvedModule) this.resolutions.set(spec, r);
    return r;
  }

  /** The compiler host (a module-resolution hook wraps it here: it sets resolveModuleNames). */
  private get host_object(): any {
    this.host_cache ??= this.s.host.host(this.s.options);
    return this.host_cache;
  }

  /** Whether a notebook file (outside node_modules) of the base program changed on disk since it was made. */
  private stale(): boolean {
    for (const [file, mtime] of this.base?.local ?? []) if (this.s.host.mtime(file) !== mtime) return true;
    return false;
  }

  private rebuild(specs: string[], globals: string): void {
    const s = this.s;
    s.host.set_anchor(specs, globals);
    this.resolutions.clear();
    s.host.module_cache = s.ts.createModuleResolutionCache(s.host.cwd, (f: string) => f, s.options);
    s.host.stat_memo = new Map();
    let program: any;
    try {
      program = s.ts.createProgram({ rootNames: [s.host.anchor_file], options: s.options, host: this.host_object, oldProgram: this.base?.program });
    } finally {
      s.host.module_cache = null;
      s.host.stat_memo = null;
    }
    const local = new Map<string, number>();
    for (const f of program.getSourceFiles()) {
      if (f.fileName === s.host.anchor_file || f.fileName.startsWith(s.host.lib_dir + "/") || /[\\/]node_modules[\\/]/.test(f.fileName)) continue;
      local.set(f.fileName, s.host.mtime(f.fileName));
    }
    this.base = { program, specs: new Set(specs), local, globals };
  }

  /** The notebook's own .ts / .js files in the program (imported by cells), checked and emitted with the cell. */
  private side_files(p: CellProgram): any[] {
    const s = this.s;
    return p.program.getSourceFiles().filter((f: any) => f.fileName !== s.host.anchor_file && !f.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(f.fileName) && !path.relative(s.host.cwd, f.fileName).startsWith(".."));
  }

  /**
   * Checks and emits a cell. `deliver` false: a compile for the compiler's own sake (warm-up, taking in earlier
   * cells' declarations) whose result is not run: the notebook's own .ts files it reaches are not emitted, so the
   * cell that does run them still gets their JavaScript (each is sent to the runtime once per change).
   */
  convert(prev_decl: string, src: string, deliver = true): Compiled {
    const s = this.s;
    const ts = s.ts;
    const { text, names, types, imports } = prepare(ts, src);
    const p = this.program(prev_decl, text);
    const sides = this.side_files(p);
    const raw: any[] = [...p.cell.parseDiagnostics];
    for (const f of sides) raw.push(...p.program.getSyntacticDiagnostics(f));
    let top_level_await = false;
    if (!raw.length) {
      const checker = p.program.getTypeChecker();
      const cell_diags = without_ignored(p.cell, [...(p.cell.bindDiagnostics ?? []), ...checker.getDiagnostics(p.cell)]);
      for (const d of [...cell_diags, ...sides.flatMap((f) => p.program.getSemanticDiagnostics(f))]) {
        if (is_top_level_await(ts, p.cell, d)) top_level_await = true;
        else raw.push(d);
      }
    }
    let diagnostics = convert_diagnostics(ts, raw, p.cell.fileName, s.host.cwd);
    if (diagnostics.length) return { diagnostics };

    let output: string | undefined;
    let map: string | undefined;
    let declOutput = "";
    const out_js = path.join(s.options.outDir, path.basename(p.cell.fileName).replace(/\.ts$/, ".js")).replace(/\\/g, "/");
    const seen: Seen = { last: false };
    const checker = p.program.getTypeChecker();
    const emit = p.program.emit(p.cell, (file: string, data: string) => {
      if (file.endsWith(".d.ts")) declOutput = data;
      else if (file.endsWith(".js.map")) map = data;
      else if (file === out_js) output = data;
    }, undefined, false, { before: [cell_transformer(ts, checker, p.decls, imports, seen)], afterDeclarations: [declarations_transformer(ts, checker, p.cell, seen)] });
    diagnostics = convert_diagnostics(ts, emit.diagnostics, p.cell.fileName, s.host.cwd);
    if (diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error)) return { diagnostics };

    let sideOutputs: Array<{ path: string; data: string }> | undefined;
    for (const f of deliver ? sides : []) {
      if (this.emitted.has(f)) continue;
      this.emitted.add(f);
      p.program.emit(f, (file: string, data: string) => {
        if (!file.endsWith(".js")) return;
        const rel = path.relative(s.options.outDir, file);
        (sideOutputs ??= []).push({ path: path.join(s.host.cwd, rel), data });
      });
    }
    sideOutputs?.sort((a, b) => a.path.localeCompare(b.path));

    declOutput += nested_var_declarations(ts, p, names);
    for (const s of seen.stars?.values() ?? []) names.push(...s.values, ...s.types), types.push(...s.types); // `export * from`'s names
    const js = clean_output(output ?? "");
    const result: Compiled = { output: js, declOutput, diagnostics: [], hasToplevelAwait: top_level_await, sideOutputs, names, typeNames: types };
    if (seen.last) result.lastExpressionVar = LAST;
    if (map) {
      const lines: LineMap = decode_mappings(JSON.parse(map).mappings);
      result.to_cell = (pos) => {
        const q = lookup(lines, pos);
        return q && q.line >= 1 ? { line: q.line - 1, column: q.column } : null; // the prefix is one line
      };
    }
    return result;
  }

  inspect(prev_decl: string, src: string, position: number): QuickInfo | undefined {
    const p = this.program(prev_decl, src);
    const info = probe_quick_info(this.s.ts)(p.cell, p.program.getTypeChecker(), CANCEL, position + PREFIX.length) /* help.ts reaches the checker through it */;
    if (info?.textSpan) info.textSpan.start -= PREFIX.length;
    return info;
  }

  complete(prev_decl: string, src: string, position: number): { start: number; end: number; candidates: string[] } {
    const ts = this.s.ts;
    const p = this.program(prev_decl, src);
    const pos = position + PREFIX.length;
    const info = ts.Completions.getCompletionsAtPositionForTslab({}, p.program, () => {}, p.cell, pos, {}, undefined, ts.CompletionTriggerKind.Invoked, CANCEL);
    const entries: Array<{ name: string; sortText: string }> = info?.entries ?? [];
    // the identifier being typed, if the cursor is in or just after one: rank names by how they match it
    const prev = ts.findPrecedingToken(pos, p.cell);
    let id = prev && ts.isIdentifier(prev) && prev.end >= pos ? prev : null;
    if (!id) {
      const next = prev ? ts.findNextToken(prev, p.cell, p.cell) : null;
      if (next && ts.isIdentifier(next) && next.getStart(p.cell) <= pos && pos <= next.end) id = next;
    }
    if (!id) {
      const sorted = entries.slice().sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
      return { start: position, end: position, candidates: sorted.map((e) => e.name) };
    }
    const name = String(id.escapedText);
    const lower = name.toLowerCase();
    const ranked = entries
      .map((e, index) => {
        const l = e.name.toLowerCase();
        const key = e.name.startsWith(name) ? "0" : l.startsWith(lower) ? "1" : l.includes(lower) ? "2" : "";
        return key ? { name: e.name, key: key + e.sortText, index } : null;
      })
      .filter((e): e is { name: string; key: string; index: number } => !!e)
      .sort((a, b) => a.key.localeCompare(b.key) || a.index - b.index);
    return { start: id.getStart(p.cell) - PREFIX.length, end: id.end - PREFIX.length, candidates: ranked.map((e) => e.name) };
  }

  /**
   * How this compiler started, without touching the disk: `parsed_here`, characters of declaration files this
   * process parsed itself (0 when the snapshot held every file), and whether it started from a snapshot; null
   * before it has a base program.
   */
  snapshot_state(): { parsed_here: number; from_snapshot: boolean } | null {
    return this.base && this.state ? { parsed_here, from_snapshot: !!snapshot } : null;
  }

  /**
   * What a startup snapshot of this compiler would hold (snapshot.ts): the declaration files of its base program
   * (one stat each), or null before it has one.
   */
  snapshot_job(): SnapshotJob | null {
    if (!this.base || !this.state) return null;
    // every declaration file parsed so far (the snapshot's own too, while they exist): a new blob holds no less
    const files = [...parsed.keys()].filter((f) => f.endsWith(".d.ts") && fs.existsSync(f));
    const resolutions = [...resolved_from_declarations].filter(([, r]) => fs.existsSync(r.resolvedFileName));
    return { typescript: typescript_path(), options: binding_options(this.state.options), files, resolutions };
  }

  close(): void {
    this.state = null;
    this.base = null;
    this.host_cache = null;
    this.last_decl = null;
    this.resolutions.clear();
    this.emitted = new WeakSet();
  }
}

/** `declare var` for the cell's `var`s inside loops and blocks (the declaration output has only top-level statements). */
function nested_var_declarations(ts: TsModule, p: CellProgram, names: string[]): string {
  const checker = p.program.getTypeChecker();
  const top = new Set<string>();
  for (const stmt of p.cell.statements) if (!ts.isExportDeclaration(stmt)) for (const n of declared_names(ts, stmt)) if (ts.isVariableStatement(stmt) || ts.isDeclarationStatement(stmt) || ts.isImportDeclaration(stmt)) top.add(n);
  let out = "";
  for (const n of names) {
    if (top.has(n)) continue;
    const symbol = p.cell.locals?.get(n);
    const decl = symbol?.valueDeclaration;
    if (!decl) continue;
    const type = checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, decl), p.cell, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType);
    out += `declare var ${n}: ${type};\n`;
  }
  return out;
}

/** The cell's diagnostics without those a `// @ts-ignore` or `// @ts-expect-error` line above silences. */
function without_ignored(sf: any, diags: any[]): any[] {
  const directives: Array<{ range: { pos: number } }> = sf.commentDirectives ?? [];
  if (!directives.length) return diags;
  const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const silenced = new Set(directives.map((d) => line(d.range.pos) + 1));
  return diags.filter((d) => !silenced.has(line(d.start)));
}

const CANCEL = { isCancellationRequested: () => false, throwIfCancellationRequested: () => {} };

/**
 * The emitted CommonJS as the runtime runs it: no source map comment, no `__esModule` marker, and no hoisted
 * `exports.x = void 0` (a name exists once its declaration ran); lines are blanked, not removed (the map holds).
 */
function clean_output(js: string): string {
  return js
    .replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n")
    .replace(/^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/m, "")
    .replace(/^(?:exports\.[\w$]+ = )+void 0;$/gm, "");
}
