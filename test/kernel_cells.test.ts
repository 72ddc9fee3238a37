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
