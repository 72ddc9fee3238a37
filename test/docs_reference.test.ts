// The API reference is the code's doc comments (TypeDoc renders them with `npm run docs`; the kernel's `name?`
// shows the same text). Over the built dist/src/index.d.ts, with tslab's TS 5.0: every exported class, function and
// constant has a doc comment; exported interfaces and type aliases too, except those listed in
// fixtures/undocumented_types.txt — a list that may only shrink (a listed name that gained a doc comment fails
// until it is removed from the list).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require("@tslab/typescript-for-tslab") as typeof import("typescript");
const ENTRY = path.join(__dirname, "../dist/src/index.d.ts");
const skip = fs.existsSync(ENTRY) ? false : "needs the build (npm run build): reads dist/src/index.d.ts";
/** Re-exported namespaces: tfjs itself (documented upstream) and bertlab's nn building blocks (documented per class). */
const NAMESPACES = new Set(["tf", "nn"]);

interface Export { name: string; kind: "class" | "function" | "const" | "interface" | "type" | "namespace"; documented: boolean; file: string }

function exported(): Export[] {
  const program = ts.createProgram([ENTRY], { noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10 });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  return checker.getExportsOfModule(mod).map((e) => {
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const decls = s.declarations ?? [];
    const documented = ts.displayPartsToString(s.getDocumentationComment(checker)).trim() !== "" || decls.some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    const f = s.flags;
    const kind = f & ts.SymbolFlags.Class ? "class" : f & ts.SymbolFlags.Function ? "function" : f & ts.SymbolFlags.Interface ? "interface"
      : f & ts.SymbolFlags.TypeAlias ? "type" : f & ts.SymbolFlags.Variable ? "const" : "namespace";
    return { name: e.name, kind, documented, file: decls[0]?.getSourceFile().fileName.replace(/.*dist\//, "").replace(/\.d\.ts$/, ".ts") ?? "?" };
  });
}

test("every exported class, function and constant has a doc comment (the reference and `name?` show it)", { skip }, () => {
  const all = exported();
  assert.ok(all.length > 500, `${all.length} exports`);
  const missing = all.filter((e) => ["class", "function", "const"].includes(e.kind) && !e.documented).map((e) => `${e.kind} ${e.name} (${e.file})`);
  assert.deepEqual(missing, []);
  assert.deepEqual(all.filter((e) => e.kind === "namespace").map((e) => e.name).sort(), [...NAMESPACES].sort());
});

test("exported interfaces and types are documented, but for a list that may only shrink", { skip }, () => {
  const listed = fs.readFileSync(path.join(__dirname, "fixtures/undocumented_types.txt"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
  const types = exported().filter((e) => e.kind === "interface" || e.kind === "type");
  const undocumented = types.filter((e) => !e.documented).map((e) => e.name);
  const not_listed = undocumented.filter((n) => !listed.includes(n));
  assert.deepEqual(not_listed, [], "new exports without a doc comment");
  const now_documented = listed.filter((n) => types.some((e) => e.name === n && e.documented));
  assert.deepEqual(now_documented, [], "documented now: remove them from fixtures/undocumented_types.txt");
  const gone = listed.filter((n) => !types.some((e) => e.name === n));
  assert.deepEqual(gone, [], "no longer exported: remove them from fixtures/undocumented_types.txt");
});

test("the doc comments of the main classes and functions give their Python twin and an example", { skip }, () => {
  const program = ts.createProgram([ENTRY], { noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10 });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  const MAIN = ["BertModel", "BertForSequenceClassification", "BertForMaskedLM", "BertForQuestionAnswering", "BertTokenizer", "AutoTokenizer", "AutoModelForMaskedLM", "pipeline", "AdamW", "Trainer", "TrainingArguments", "get_linear_schedule_with_warmup", "integrated_gradients", "attention_rollout", "plot"];
  const lacking: string[] = [];
  for (const name of MAIN) {
    const e = checker.getExportsOfModule(mod).find((x) => x.name === name);
    assert.ok(e, `${name} is exported`);
    const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    const decls = s.declarations ?? [];
    const text = decls.map((d) => ts.getJSDocCommentsAndTags(d).map((j) => j.getText()).join("\n")).join("\n");
    if (!/Python|matplotlib|torch|captum|Abnar/.test(text) || !text.includes("@example")) lacking.push(name);
  }
  assert.deepEqual(lacking, []);
});
