// Cells across cells, as IPython users expect them, through the kernel's TypeScript executor in-process: every
// top-level form (shorthand properties, destructuring, functions, classes, enums, namespaces, types, `let`
// reassigned later, redeclaration, top-level await, export, labels, generators) and IPython's failure semantics
// (a runtime error keeps what ran before it, a type error keeps nothing). Cells importing bertlab need the build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cells } from "./helpers/cells";

const seq = async (cells: string[]): Promise<Cells> => {
  const k = new Cells();
  for (const c of cells) await k.value(c);
  return k;
};

test("a shorthand property names an earlier cell's value ({ a } after `const a = 42;`)", async () => {
  const k = await seq(["const a = 42;"]);
  assert.equal(await k.value("const o = { a }; o"), "{ a: 42 }");
  assert.equal(await k.value("let b = 1; const f = () => ({ a, b }); f()"), "{ a: 42, b: 1 }");
  // a shorthand in a destructuring assignment writes the earlier `let`
  assert.equal(await k.value("({ b } = { b: 7 }); ({ b = 9 } = {}); b"), "9");
});

test("destructuring declarations: object, array, nested, defaults and rest, each name visible later", async () => {
  const k = await seq(["const { p, q: [r, ...rest] = [9], s = 5, ...others } = { p: 1, q: [2, 3, 4], t: 6 };", "let [m, , [n = 8] = []] = [10, 0];"]);
  assert.equal(await k.value("[p, r, rest, s, others, m, n]"), "[ 1, 2, [ 3, 4 ], 5, { t: 6 }, 10, 8 ]");
  assert.match((await k.run("const t1: string = p;")).evalue ?? "", /TS2322: Type 'number' is not assignable to type 'string'/);
});

test("functions (hoisted, recursive), classes (extended in a later cell), enums and namespaces", async () => {
  const k = await seq([
    "const five = fact(5); function fact(n: number): number { return n <= 1 ? 1 : n * fact(n - 1); }",
    "class Counter { n = 0; inc() { return ++this.n; } }",
    "enum Color { Red, Green = 5, Blue }",
    "namespace Geo { export const pi = 3; export function area(r: number) { return pi * r * r; } }",
  ]);
  assert.equal(await k.value("[five, fact(4)]"), "[ 120, 24 ]");
  assert.equal(await k.value("class Sub extends Counter { inc() { return super.inc() * 10; } }\nconst c = new Sub(); c.inc(); [c.inc(), c instanceof Counter]"), "[ 20, true ]");
  assert.equal(await k.value("`${Color.Blue} ${Color[5]}`"), "'6 Green'");
  assert.equal(await k.value("Geo.area(2)"), "12");
});

test("type aliases and interfaces are checked in later cells", async () => {
  const k = await seq(["interface P { x: number }\ntype Q = P & { y: number };"]);
  assert.equal(await k.value("const q: Q = { x: 1, y: 2 }; q.x + q.y"), "3");
  const bad = await k.run("const q2: Q = { x: 1 };");
  assert.equal(bad.ename, "TSError");
  assert.match(bad.evalue ?? "", /TS2322: Type '\{ x: number; \}' is not assignable to type 'Q'/);
});

test("a `let` reassigned in a later cell is one variable: closures of its own cell see the new value", async () => {
  const k = await seq(["let count = 0; function inc() { return ++count; }"]);
  assert.equal(await k.value("count = 10; inc()"), "11");
  assert.equal(await k.value("count += 5; count++; count"), "17");
  assert.equal(await k.value("inc()"), "18");
});

test("a later cell redeclaring a name wins, its type too; earlier closures keep the binding they were written against", async () => {
  const k = await seq(["const v = 1; const getv = () => v;", "interface Cfg { a: number }"]);
  assert.equal(await k.value('const v = "one"; v.toUpperCase()'), "'ONE'");
  assert.equal(await k.value("getv()"), "1");
  assert.match((await k.run("const vn: number = v;")).evalue ?? "", /TS2322: Type 'string' is not assignable to type 'number'/);
  // a declaration of another kind replaces it too (a function, then a class)
  assert.equal(await k.value("function v() { return 2; }\nv()"), "2");
  assert.equal(await k.value("class v { static w = 3 }\nv.w"), "3");
  assert.equal(await k.value("interface Cfg { b: string }\nconst cfg: Cfg = { b: 'x' }; cfg.b"), "'x'");
  // the same cell run again (as after an edit) is a redeclaration as well
  for (let i = 0; i < 2; i++) assert.equal(await k.value("let again = 1; again += 1; again"), "2");
});

test("top-level await inside expressions, for await, and an awaited cell's names", async () => {
  const k = await seq(["const w = (await Promise.resolve(20)) + 1;"]);
  assert.equal(await k.value("w"), "21");
  assert.equal(await k.value("[await Promise.resolve(1), w].map((x) => x * 2)"), "[ 2, 42 ]");
  assert.equal(await k.value("let sum = 0; for await (const x of (async function* () { yield 1; yield 2; })()) sum += x; sum"), "3");
  assert.equal(await k.value("const pair = { w, later: await Promise.resolve(sum) }; pair"), "{ w: 21, later: 3 }");
});

test("export in a cell declares the name as without it; `export default e` is the cell's value", async () => {
  const k = await seq(["export const e1 = 5; export function ef() { return e1 * 2; }\nexport interface EI { e: number }", "const e2 = 1; export { e2 };"]);
  assert.equal(await k.value("const ei: EI = { e: ef() + e2 }; ei"), "{ e: 11 }");
  assert.equal(await k.value("export default e1 + 1;"), "6");
});

test("labels (also one named like an earlier value) and generators across cells", async () => {
  const k = await seq(["const outer = 1;", "function* gen() { yield 1; yield 2; yield 3; }\nconst g = gen();"]);
  assert.equal(await k.value("let hits = 0;\nouter: for (let i = 0; i < 3; i++) { for (;;) { hits++; continue outer; } }\n[hits, outer]"), "[ 3, 1 ]");
  assert.equal(await k.value("g.next().value"), "1");
  assert.equal(await k.value("[g.next().value, ...gen()]"), "[ 2, 1, 2, 3 ]");
});

test("a var in a loop is a cell-level name; a block's let is not", async () => {
  const k = await seq(["for (var vi = 0; vi < 3; vi++) {}\n{ let hidden = 1; }"]);
  assert.equal(await k.value("vi"), "3");
  assert.match((await k.run("hidden")).evalue ?? "", /TS2304: Cannot find name 'hidden'/);
});

test("IPython's failure semantics: a runtime error keeps the imports and the names declared before it, with their values", async () => {
  const k = new Cells();
  const failed = await k.run('import { BertConfig } from "bertlab";\nconst x = 1;\ninterface Before { b: number }\nthrow new Error("e");\nconst y = 2;\ninterface After { a: number }');
  assert.equal(failed.evalue, "e");
  assert.equal(await k.value("const bf: Before = { b: x }; [bf.b, new BertConfig({ hidden_size: 48 }).hidden_size]"), "[ 1, 48 ]");
  assert.match((await k.run("y")).evalue ?? "", /TS2304: Cannot find name 'y'/);
  assert.match((await k.run("const af: After = { a: 1 };")).evalue ?? "", /TS2304: Cannot find name 'After'/);
  // the value computed, then its display failed: it survives
  const shown = await k.run("const ig = [0.5, 0.25].map((v) => v * 2);\nfunction show(v: number[]): never { throw new Error(`show failed on ${v.length}`); }\nshow(ig);");
  assert.equal(shown.evalue, "show failed on 2");
  assert.equal(await k.value("ig"), "[ 1, 0.5 ]");
  // a name redeclared after the error point keeps its earlier declaration, value and type
  await k.value("const r1 = 1;");
  await k.run('throw new Error("first");\nconst r1 = "s";');
  assert.equal(await k.value("const r1n: number = r1; r1n"), "1");
  // a throwing initializer: its own name is not defined, the ones before it are
  await k.run("const before_boom = 3;\nconst boom: number = (() => { throw new Error('in the middle'); })();");
  assert.equal(await k.value("before_boom"), "3");
  assert.match((await k.run("boom")).evalue ?? "", /TS2304: Cannot find name 'boom'/);
});

test("a cell that fails to type-check keeps nothing, not even what comes before the error", async () => {
  const k = new Cells();
  const bad = await k.run('import { BertTokenizer } from "bertlab";\nconst k1 = 1;\nconst k2: number = "x";');
  assert.equal(bad.ename, "TSError");
  assert.match((await k.run("k1")).evalue ?? "", /TS2304: Cannot find name 'k1'/);
  assert.match((await k.run("BertTokenizer")).evalue ?? "", /TS2304: Cannot find name 'BertTokenizer'/);
});

test("// @ts-ignore silences the next line's type error, as in a module", async () => {
  const k = new Cells();
  assert.equal(await k.value('// @ts-ignore\nconst loose: number = "x";\nloose'), "'x'");
  assert.equal((await k.run('const strict: number = "x";')).ename, "TSError");
});

test("a `declare global` block in a cell is no cell-level name", async () => {
  const k = new Cells();
  assert.equal(await k.value("declare global { var __bl_probe: number | undefined }\nglobalThis.__bl_probe = 3;\nglobalThis.__bl_probe"), "3");
});

test("`declare global` is carried to later cells: a global var and an interface augmentation; a later block replaces only its names", async () => {
  const k = new Cells();
  assert.equal(await k.value("declare global { var __bl_g1: number; var __bl_g2: string; interface Array<T> { __bl_len(): number } }\n__bl_g1 = 1;\n__bl_g1 + 1"), "2");
  assert.equal(await k.value("globalThis.__bl_g2 = 'two';\nArray.prototype.__bl_len = function () { return this.length; };\n[__bl_g1, __bl_g2.length, [1, 2, 3].__bl_len()]"), "[ 1, 3, 3 ]");
  // no cell-level name: the global itself is read and written
  assert.equal(await k.value("__bl_g1 = 5; (globalThis as any).__bl_g1"), "5");
  // rebinding: a later block's `var __bl_g1: string` wins (no "subsequent declarations" error); __bl_g2 stays
  assert.equal(await k.value("declare global { var __bl_g1: string }\n__bl_g1 = 'one'; __bl_g1.toUpperCase() + __bl_g2"), "'ONEtwo'");
  assert.match((await k.run("const g1n: number = __bl_g1;")).evalue ?? "", /TS2322: Type 'string' is not assignable to type 'number'/);
  assert.match((await k.run("const g3: number = __bl_g3;")).evalue ?? "", /Cannot find name '__bl_g3'/);
});

test("re-exports bring names to later cells: export * from (values and types), export * as ns, export { x as y } from", async () => {
  const k = await seq(["const c = 'mine';"]);
  // in its own cell `export *` declares nothing (as in a module); for later cells it rebinds `c`, its type too
  assert.equal(await k.value('export * from "./test/fixtures/kernel/cells/reexported";\nc + 1'), "'mine1'");
  assert.equal(await k.value("c + 1"), "31");
  assert.equal(await k.value("const pr: Pair = { left: c, right: d }; [pr, twice(pr.right)]"), "[ { left: 30, right: 40 }, 80 ]");
  assert.match((await k.run("const bad: Pair = { left: 1 };")).evalue ?? "", /TS2741: Property 'right' is missing/);
  assert.equal(await k.value('export * as rx from "./test/fixtures/kernel/cells/reexported";\nexport { twice as dbl, c as c0 } from "./test/fixtures/kernel/cells/reexported";'), undefined);
  assert.equal(await k.value("const p2: rx.Pair = { left: rx.c, right: dbl(c0) }; p2"), "{ left: 30, right: 60 }");
});

test("ambient declarations (declare const / function / class) describe globals: later cells read the global, not a cell binding", async () => {
  const k = await seq(["(globalThis as any).__bl_amb = 7;\n(globalThis as any).__bl_ambf = (x: number) => x * 3;\ndeclare const __bl_amb: number;\ndeclare function __bl_ambf(x: number): number;\ndeclare class __bl_AmbC { v: number }"]);
  assert.equal(await k.value("[__bl_amb + 1, __bl_ambf(2)]"), "[ 8, 6 ]");
  assert.equal(await k.value("(globalThis as any).__bl_amb = 9; __bl_amb"), "9");
  assert.equal(await k.value("(globalThis as any).__bl_AmbC = class { v = 4 }; new __bl_AmbC().v"), "4");
  assert.match((await k.run("__bl_ambf('x')")).evalue ?? "", /TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
});

test("enums: const enum inlined in later cells; an enum reopened in a later cell replaces the earlier one (rebinding), within a cell it merges", async () => {
  const k = await seq(["const enum CE { A = 1, B }", "enum E { A, B }\nenum E { C = 5 }"]);
  assert.equal(await k.value("[CE.B, E.A, E.C, E[5]]"), "[ 2, 0, 5, 'C' ]");
  assert.equal(await k.value("enum E { D = 9 }\nE.D"), "9");
  assert.match((await k.run("E.A")).evalue ?? "", /TS2339: Property 'A' does not exist on type 'typeof E'/);
  assert.equal(await k.value("(E as any).A"), undefined);
});

test("namespaces: merged with a function and with a class, an alias `import V = N.In`, reopened in a later cell (replaces)", async () => {
  const k = await seq([
    "function F() { return 1; }\nnamespace F { export const x = 2; }\nclass K { static base = 10 }\nnamespace K { export const y = 3; }",
    "namespace N { export namespace In { export const v = 5; } export interface Shape { r: number } }",
  ]);
  assert.equal(await k.value("[F() + F.x, K.base + K.y]"), "[ 3, 13 ]");
  assert.equal(await k.value("import V = N.In;\nimport S = N.Shape;\nconst sh: S = { r: V.v }; sh"), "{ r: 5 }");
  assert.equal(await k.value("V.v + 1"), "6");
  assert.equal(await k.value("namespace N { export const w = 7; }\nN.w"), "7");
  assert.match((await k.run("N.In")).evalue ?? "", /TS2339: Property 'In' does not exist on type 'typeof N'/);
  assert.equal(await k.value("V.v"), "5"); // the alias keeps what it was bound to
});

test("interfaces merge within a cell and are carried together; abstract classes, overloads, import = require, import type", async () => {
  const k = await seq([
    "interface M { a: number }\ninterface M { b: string }",
    "abstract class Shape { abstract area(): number; twice() { return 2 * this.area(); } }",
    "function ov(x: number): number;\nfunction ov(x: string): string;\nfunction ov(x: number | string) { return x; }",
    'import path = require("path");\nimport type { BertConfig } from "bertlab";',
  ]);
  assert.equal(await k.value("const m: M = { a: 1, b: 'x' }; m"), "{ a: 1, b: 'x' }");
  assert.match((await k.run("const m2: M = { a: 1 };")).evalue ?? "", /TS2741: Property 'b' is missing/);
  assert.equal(await k.value("class Sq extends Shape { area() { return 9; } }\nnew Sq().twice()"), "18");
  assert.match((await k.run("new Shape()")).evalue ?? "", /TS2511: Cannot create an instance of an abstract class/);
  assert.equal(await k.value("[ov('ab').length, ov(2) + 1]"), "[ 2, 3 ]");
  assert.match((await k.run("const on: number = ov('s');")).evalue ?? "", /TS2322: Type 'string' is not assignable to type 'number'/);
  assert.equal(await k.value("path.basename('/a/b.ts')"), "'b.ts'");
  assert.equal(await k.value("const bc: BertConfig | null = null; bc"), "null");
  assert.match((await k.run("new BertConfig()")).evalue ?? "", /TS1361: 'BertConfig' cannot be used as a value because it was imported using 'import type'/);
});

test("an import rebinds an earlier cell's const of the same name (IPython's rebinding), the const's closures keep theirs", async () => {
  const k = await seq(["const rx2 = 1; const get_rx2 = () => rx2;"]);
  assert.equal(await k.value('import * as rx2 from "./test/fixtures/kernel/cells/reexported";\nrx2.c'), "30");
  assert.equal(await k.value("[rx2.twice(1), get_rx2()]"), "[ 2, 1 ]");
});

test("a value keeps its type when a name its type refers to is rebound (typeof a class, an interface)", async () => {
  const k = await seq(["class A1 { v = 1 }\ninterface P1 { x: number }", "const o = { A1 }; const q: P1 = { x: 2 };", "const A1 = 5;\ninterface P1 { y: string }"]);
  assert.equal(await k.value("[new o.A1().v, q.x, A1]"), "[ 1, 2, 5 ]");
  assert.match((await k.run("q.y")).evalue ?? "", /TS2339: Property 'y' does not exist on type 'P1__bl_was\d+'/);
  assert.equal(await k.value("const p: P1 = { y: 'new' }; p.y"), "'new'");
  // the kept declarations are no names to offer
  const offered = k.complete("const z: P");
  assert.ok(offered.includes("P1"), offered.join(" "));
  assert.ok(!offered.some((n) => n.includes("__bl_was")), offered.join(" "));
});

test("a `declare global` block may use a type an earlier cell imported", async () => {
  const k = await seq(['import { BertConfig } from "bertlab";', "declare global { var __bl_cfg: BertConfig | undefined }\n__bl_cfg = new BertConfig({ hidden_size: 48 });"]);
  assert.equal(await k.value("__bl_cfg!.hidden_size"), "48");
  assert.match((await k.run("const hs: string = __bl_cfg!.hidden_size;")).evalue ?? "", /TS2322: Type 'number' is not assignable to type 'string'/);
});

test("`export default class { }` / `export default function () { }` without a name is the cell's value, as `export default e`", async () => {
  const k = new Cells();
  assert.equal(await k.value("export default class { x = 1 }"), "[class (anonymous)]");
  assert.equal(await k.value("const before_default = 1;\nexport default async function () { return 1; }"), "[AsyncFunction (anonymous)]");
  assert.equal(await k.value("before_default"), "1");
});

test("a module augmentation (`declare module \"bertlab\" { ... }`) is carried as `declare global` is; a later block of the same name replaces it", async () => {
  const k = await seq(['declare module "bertlab" { interface BertConfig { __bl_extra?: number } }\nimport { BertConfig } from "bertlab";']);
  assert.equal(await k.value("const bc = new BertConfig({}); bc.__bl_extra = 3; bc.__bl_extra"), "3");
  assert.match((await k.run("const ex: string = bc.__bl_extra!;")).evalue ?? "", /TS2322: Type 'number' is not assignable to type 'string'/);
  await k.value('declare module "bertlab" { interface BertConfig { __bl_other?: string } }');
  assert.equal(await k.value("bc.__bl_other"), undefined);
  assert.match((await k.run("bc.__bl_extra")).evalue ?? "", /TS2339: Property '__bl_extra' does not exist on type 'BertConfig'/);
});
