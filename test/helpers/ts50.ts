// The type-check the Python-habit tests share: a file of test/fixtures/types compiled by TypeScript 5.0.4 (tslab's
// own compiler) against bertlab's built .d.ts (`import ... from "bertlab"` resolves to dist/), with tslab's options.
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
/** The fixtures' folder. */
export const TYPES_DIR = path.join(__dirname, "..", "fixtures", "types");
/** What the fixtures import: bertlab's built declarations. */
export const BUILT = path.join(__dirname, "..", "..", "dist", "src", "index.d.ts");

/** The diagnostics of `file` (in TYPES_DIR), each with its 1-based line (0: no file position). */
export function diagnostics(file: string, strict: boolean): { line: number; text: string }[] {
  const program = ts.createProgram([path.join(TYPES_DIR, file)], {
    noEmit: true, strict, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true,
    target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], skipLibCheck: true, resolveJsonModule: true, types: ["node"],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}
