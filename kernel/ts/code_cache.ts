// A V8 code cache for one big CommonJS file (TypeScript's 8 MB compiler): the file is loaded like `require`
// would, from bytecode V8 compiled in an earlier kernel when the cache matches, and `save()` writes the cache
// after warm-up, when the functions the compiler needs have been compiled too (Node 20 has no
// module.enableCompileCache). The cache lives in $XDG_CACHE_HOME/bertlab/v8 (or ~/.cache), keyed by the file's
// path, size, mtime and the V8 version; a cache V8 rejects is rewritten, an unwritable folder only costs speed.
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vm from "vm";
import Module from "module";
import { writeFileAtomicSync } from "../../src/utils/fs";

export type CachedModule = { exports: unknown; cache_hit: boolean; save(): void };

export function code_cache_dir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTLAB_CODE_CACHE_DIR) return path.resolve(env.BERTLAB_CODE_CACHE_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "bertlab", "v8");
}

/** Loads `file` as a CommonJS module through a V8 code cache (and registers it in require.cache). */
export function require_cached(file: string, log: (line: string) => void = () => {}): CachedModule {
  const existing = require.cache[file];
  if (existing?.loaded) return { exports: existing.exports, cache_hit: true, save: () => {} };
  const stat = fs.statSync(file);
  const key = createHash("sha256").update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${process.versions.v8}`).digest("hex").slice(0, 24);
  const cache_file = path.join(code_cache_dir(), `${path.basename(file)}-${key}.bin`);
  let cached: Buffer | undefined;
  try {
    cached = fs.readFileSync(cache_file);
  } catch {
    cached = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData: cached });
  const cache_hit = !!cached && !script.cachedDataRejected;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(file));
  require.cache[file] = mod;
  try {
    const fn = script.runInThisContext() as (...args: unknown[]) => void;
    fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    mod.loaded = true;
  } catch (e) {
    delete require.cache[file];
    throw e;
  }
  let saved = cache_hit;
  return {
    exports: mod.exports,
    cache_hit,
    save: () => {
      if (saved) return;
      saved = true;
      try {
        // atomic: a concurrent kernel reads the old cache or the new one; a killed writer's temp is cleaned later
        writeFileAtomicSync(cache_file, script.createCachedData());
      } catch (e) {
        log(`code cache: cannot write ${cache_file} (${(e as Error).message}); TypeScript loads uncached`);
      }
    },
  };
}
