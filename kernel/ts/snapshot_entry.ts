// The entry of `node --snapshot-blob OUT --build-snapshot snapshot_entry.js JOB.json` (snapshot.ts runs it): a V8
// startup snapshot of tslab's TypeScript 5.0.4 with the declaration files of a kernel's base program already
// parsed and bound (lib, @types/node, tfjs, bertlab's .d.ts: ~2 s of a cold kernel's first cell otherwise). Node
// 20 builds a snapshot from one script that may require only Node's built-in modules, so this file is a script
// (no import/export: no `exports` exists here) and TypeScript is evaluated from its source text. A kernel started
// from the blob (`node --snapshot-blob BLOB main.js CONNECTION_FILE`, by main.ts) finds the data under
// Symbol.for("bertlab.ts_snapshot"); the compiler takes each file only while its text is unchanged.
(() => {
  const fs: typeof import("fs") = require("fs");
  const path: typeof import("path") = require("path");
  const v8: typeof import("v8") = require("v8");
  type Job = { typescript: string; options: Record<string, unknown>; files: string[]; resolutions?: Array<[string, unknown]> };
  const job: Job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const mod: { exports: any } = { exports: {} };
  const source = fs.readFileSync(job.typescript, "utf8");
  new Function("exports", "require", "module", "__filename", "__dirname", source)(mod.exports, require, mod, job.typescript, path.dirname(job.typescript));
  const ts = mod.exports;
  // what the program's own createSourceFile options would be (Node10 resolution: no implied module format)
  const target = { languageVersion: ts.getEmitScriptTarget(job.options), impliedNodeFormat: undefined, setExternalModuleIndicator: ts.getSetExternalModuleIndicator(job.options) };
  const parsed = new Map<string, { sf: any; mtime: number; target: number }>();
  for (const file of job.files) {
    let text: string;
    let mtime: number;
    try {
      mtime = fs.statSync(file).mtimeMs;
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue; // gone since the kernel listed it
    }
    const sf = ts.createSourceFile(file, text, target, false);
    ts.bindSourceFile(sf, job.options);
    parsed.set(file, { sf, mtime, target: target.languageVersion });
  }
  const data = { typescript: job.typescript, ts, parsed, resolutions: job.resolutions ?? [], options: JSON.stringify(job.options) };
  // Error.stackTraceLimit does not exist while a snapshot is built; TypeScript's file lookups save and restore it,
  // leaving it an own property set to undefined, which Node would put back after deserialization (errors would
  // then have no stack at all). Without it, the kernel starts with Node's default (10).
  if ((Error as { stackTraceLimit?: number }).stackTraceLimit === undefined) delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    (globalThis as any)[Symbol.for("bertlab.ts_snapshot")] = data;
    if (process.env.BERTLAB_SNAPSHOT_PROBE === "1") {
      // the builder's check of a fresh blob before it is published
      process.stdout.write(`bertlab snapshot ok ${data.parsed.size} ${typeof data.ts.createProgram}\n`);
      return;
    }
    // tell the launcher the blob deserialized (a corrupt one aborts before this: the launcher then starts the kernel itself)
    const fd = Number(process.env.BERTLAB_SNAPSHOT_READY_FD);
    delete process.env.BERTLAB_SNAPSHOT_READY_FD;
    if (fd > 2) {
      try {
        fs.writeSync(fd, "1");
        fs.closeSync(fd);
      } catch {
        // no launcher listening
      }
    }
    const main = process.argv[1];
    const Module: typeof import("module") = require("module");
    Module.createRequire(main)(main).main_in_process(process.argv[2]);
  });
})();
