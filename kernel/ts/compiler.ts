// TypeScript for cells, from tslab's converter (pinned tslab 1.0.22, its TypeScript 5.0.4): it type-checks a
// cell against the declarations of earlier cells and the packages' .d.ts, rewrites it to CommonJS that reads
// earlier cells' names from `exports`, and keeps the cell's declarations for the next one. Loaded lazily
// (TypeScript takes seconds to load), with two changes made through the module it imports: only @types/node is
// loaded as global types (tslab loads every @types package), and each cell's JS carries a source map, chained
// through tslab's ES module → CommonJS step, so runtime errors point at cell lines.
import * as path from "path";
import { CachedModule, require_cached } from "./code_cache";
import { probe_quick_info } from "./help";
import { LineMap, Position, chain, decode_mappings, take_inline_map } from "./sourcemap";

export type DiagnosticPos = { offset: number; line: number; character: number };
export type Diagnostic = { start: DiagnosticPos; end: DiagnosticPos; messageText: string; category: number; code: number; fileName?: string };
export type ConvertResult = {
  output?: string;
  declOutput?: string;
  diagnostics: Diagnostic[];
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  sideOutputs?: Array<{ path: string; data: string }>;
};
export type QuickInfo = {
  displayParts?: Array<{ text: string; kind: string }>;
  documentation?: Array<{ text: string; kind: string }>;
  tags?: Array<{ name: string; text?: Array<{ text: string }> | string }>;
  textSpan?: { start: number; length: number };
};
type Converter = {
  convert(prev_decl: string, src: string): ConvertResult;
  inspect(prev_decl: string, src: string, position: number): QuickInfo | undefined;
  complete(prev_decl: string, src: string, position: number): { start: number; end: number; candidates: string[] };
  close(): void;
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

/** tslab's TypeScript 5.0.4, through a V8 code cache (loading its 8 MB takes seconds otherwise). */
export function load_typescript(): TsModule {
  if (!ts_module) {
    const tslab_dir = path.dirname(require.resolve("tslab/package.json"));
    ts_cache = require_cached(require.resolve("@tslab/typescript-for-tslab", { paths: [tslab_dir] }));
    ts_module = ts_cache.exports;
  }
  return ts_module;
}

/** Writes TypeScript's code cache (after warm-up: the compiler's functions are compiled by then); true on a hit. */
export function save_code_cache(): boolean {
  ts_cache?.save();
  return !!ts_cache?.cache_hit;
}

/** Source maps of the last CommonJS conversions, by output text. */
const cjs_maps = new Map<string, LineMap[]>();

/** A view of `ts` for tslab's converter: same API, with global types limited and source maps kept. */
function patched_typescript(ts: TsModule): TsModule {
  const view: Record<string, unknown> = {};
  for (const k of Object.keys(ts)) Object.defineProperty(view, k, { enumerable: true, configurable: true, get: () => ts[k] });
  const override = (k: string, value: unknown) => Object.defineProperty(view, k, { enumerable: true, value });
  override("createWatchCompilerHost", (root: string[], options: object, ...rest: unknown[]) =>
    ts.createWatchCompilerHost(root, { ...options, types: ["node"], inlineSourceMap: true }, ...rest),
  );
  override("getQuickInfoAtPosition", probe_quick_info(ts)); // help.ts reaches the checker through it
  override("transpileModule", (input: string, opts: { compilerOptions?: object }) => {
    const [code, esm_map] = take_inline_map(input);
    const out = ts.transpileModule(code, { ...opts, compilerOptions: { ...opts.compilerOptions, sourceMap: true } });
    const text = String(out.outputText).replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n");
    if (esm_map && out.sourceMapText) {
      cjs_maps.set(text, [decode_mappings(JSON.parse(out.sourceMapText).mappings), esm_map]);
      if (cjs_maps.size > 64) cjs_maps.delete(cjs_maps.keys().next().value as string);
    }
    return { ...out, outputText: text };
  });
  return view;
}

/** tslab's converter module, loaded with the patched TypeScript view. */
function load_converter_module(): { createConverter(o: { isJS: boolean; isBrowser: boolean }): Converter } {
  const ts = load_typescript();
  const ts_path = require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(require.resolve("tslab/package.json"))] });
  const conv_path = require.resolve("tslab/dist/converter");
  const cached = require.cache[ts_path]!;
  const real = cached.exports;
  cached.exports = patched_typescript(ts);
  try {
    delete require.cache[conv_path];
    return require(conv_path);
  } finally {
    cached.exports = real;
  }
}

/** The cell compiler: created on first use (seconds), rooted at the kernel's working directory. */
export class CellCompiler {
  private converter: Converter | null = null;

  private get conv(): Converter {
    this.converter ??= load_converter_module().createConverter({ isJS: false, isBrowser: false });
    return this.converter;
  }

  get loaded(): boolean {
    return this.converter !== null;
  }

  /**
   * Runs `fn` on the converter. A real file the program watches that changes on disk (a rebuilt .d.ts, a package
   * installed meanwhile) leaves one of TypeScript's debounce timers pending, which tslab's converter cannot take
   * ("Unexpected pending rebuildTimer", for every later cell): then the converter is made anew — reading the
   * files as they are now — and `fn` runs once more.
   */
  private use<T>(fn: (c: Converter) => T): T {
    try {
      return fn(this.conv);
    } catch (e) {
      if (!/pending rebuildTimer|unexpected tiemr|rebuildTimer is not set/.test(String((e as Error)?.message))) throw e;
      this.close();
      return fn(this.conv);
    }
  }

  convert(prev_decl: string, src: string): Compiled {
    const r: Compiled = this.use((c) => c.convert(prev_decl, src));
    const maps = r.output !== undefined ? cjs_maps.get(r.output) : undefined;
    if (maps) {
      const lookup = chain(maps);
      // the cell is compiled as "export {};\n" + source: one line down
      r.to_cell = (pos) => {
        const p = lookup(pos);
        return p && p.line >= 1 ? { line: p.line - 1, column: p.column } : null;
      };
    }
    return r;
  }

  inspect(prev_decl: string, src: string, position: number): QuickInfo | undefined {
    return this.use((c) => c.inspect(prev_decl, src, position));
  }

  complete(prev_decl: string, src: string, position: number): { start: number; end: number; candidates: string[] } {
    return this.use((c) => c.complete(prev_decl, src, position));
  }

  close(): void {
    this.converter?.close();
    this.converter = null;
  }
}
