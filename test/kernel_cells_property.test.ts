// Property: a sequence of cells gives, cell by cell, the values the same code gives as one module. fast-check
// draws cell sequences from a grammar of top-level forms (const / let / assignment / ++, function and arrow,
// destructuring with defaults and rest, shorthand object, class, enum, namespace, generator, top-level await,
// label, `export`; a function merged with a namespace, an abstract class, overloads, const enum, an interface and a
// const of one name, `import V = N.In`, `declare global` and ambient `declare const` globals, `export * from`,
// `export { x as y } from`, `export * as ns from` / `import * as ns from`), over a few names so that later cells
// reassign and redeclare earlier ones. The module is the
// cells concatenated with IPython's rebinding made explicit: each declaration gets its own name (`a_3`), and a
// reference names the declaration that was current where it was written. Values are compared as the kernel prints
// them (util.inspect). A re-export is an import in the module (in its own cell `export *` declares nothing, as in
// a module; later cells see its names). Fixed seed: set BERTLAB_FC_SEED to explore others.
import { test } from "node:test";
import * as path from "node:path";
import Module from "node:module";
import assert from "node:assert/strict";
import * as fc from "fast-check";
import { Cells, ROOT } from "./helpers/cells";
import { load_typescript } from "../kernel/ts/compiler";
import { plain_text } from "../kernel/ts/values";

const POOL = ["a", "b", "c", "d"];
/** Names of globals (`declare global`, ambient `declare const`): kept apart, so that a cell-level name never hides a bug. */
const GLOBALS = ["ga", "gb"];
/** The module `export * from` brings `c` (30) and `d` (40) from (and `twice`, `Pair`). */
const FIXTURE = '"./test/fixtures/kernel/cells/reexported"';

/** A value in scope: how to get a number out of it, given the expression that names it. */
type Binding = { name: string; id: number; use: (ref: string) => string; mutable: boolean; ns?: boolean; const_enum?: boolean; global?: boolean };
/** Code written twice: as the cell has it, and as the one module has it. */
type Two = [cell: string, module: string];

type Op = { op: number; a: number; b: number; c: number; x: boolean };
// half the ops are the forms added last (16 and up), so a default run meets each of them often enough
const op_arb = fc.record({ op: fc.oneof(fc.nat(15), fc.integer({ min: 16, max: 25 })), a: fc.nat(30), b: fc.nat(30), c: fc.integer({ min: -9, max: 9 }), x: fc.boolean() });
const plan_arb = fc.array(fc.record({ ops: fc.array(op_arb, { maxLength: 4 }), value: fc.option(fc.record({ a: fc.nat(30), b: fc.nat(30), c: fc.integer({ min: -9, max: 9 }) }), { nil: undefined }) }), { minLength: 1, maxLength: 5 });

/** Renders a plan as cells and as one module (whose cell values land in __vals). */
function render(plan: Array<{ ops: Op[]; value?: { a: number; b: number; c: number } }>): { cells: string[]; module: string; has_value: boolean[] } {
  let next_id = 0;
  const scope = new Map<string, Binding>();
  const cells: string[] = [];
  const module: string[] = [];
  const has_value: boolean[] = [];
  plan.forEach((cell, k) => {
    const declared = new Set<string>(); // declared in this cell
    const used_old = new Set<string>(); // earlier cells' names this cell has read (it may not redeclare them)
    const parts: Two[] = [];
    const raw = (b: Binding): Two => {
      if (!declared.has(b.name)) used_old.add(b.name);
      return [b.name, b.global ? b.name : `${b.name}_${b.id}`];
    };
    const ref = (b: Binding): Two => raw(b).map(b.use) as Two;
    const visible = (exclude?: string) => [...scope.values()].filter((b) => b.name !== exclude);
    const expr = (a: number, b: number, c: number, exclude?: string): Two => {
      const vs = visible(exclude);
      if (!vs.length || a % 4 === 0) return [String(c), String(c)];
      const x = ref(vs[a % vs.length]);
      if (a % 4 === 1) return x;
      const y = b % 3 === 0 ? [String(c), String(c)] : ref(vs[b % vs.length]);
      return [`(${x[0]} + ${y[0]})`, `(${x[1]} + ${y[1]})`];
    };
    /** A name this cell may (re)declare, or undefined. */
    const fresh = (i: number, pool = POOL): string | undefined => {
      for (let j = 0; j < pool.length; j++) {
        const n = pool[(i + j) % pool.length];
        if (!declared.has(n) && !used_old.has(n)) return n;
      }
      return undefined;
    };
    const later: Binding[] = []; // `export *`'s names: in scope from the next cell on
    const declare = (name: string, use: (ref: string) => string, mutable = false, ns = false, next_cell = false): [string, string] => {
      declared.add(name);
      // a global is one variable however often it is declared: the module names it as the cells do
      const global = GLOBALS.includes(name);
      const b: Binding = { name, id: next_id++, use, mutable, ns, global };
      if (next_cell) later.push(b);
      else scope.set(name, b);
      return [name, global ? name : `${name}_${b.id}`];
    };
    for (const o of cell.ops) {
      const ex = o.x ? "export " : "";
      const kind = o.op;
      if (kind === 2 || kind === 13) {
        // assignment / increment of a `let` in scope
        const ms = visible().filter((b) => b.mutable);
        if (!ms.length) continue;
        const m = ms[o.a % ms.length];
        const [cn, mn] = ref(m);
        if (kind === 13) parts.push([`${cn}++;`, `${mn}++;`]);
        else {
          const e = expr(o.b, o.a, o.c);
          parts.push([`${cn} = ${e[0]};`, `${mn} = ${e[1]};`]);
        }
        continue;
      }
      if (kind === 23) {
        // export * from the fixture: `c` and `d` for later cells (both must be free to declare here)
        if (["c", "d"].some((n) => declared.has(n) || used_old.has(n))) continue;
        const [, c] = declare("c", (r) => r, false, false, true);
        const [, d] = declare("d", (r) => r, false, false, true);
        parts.push([`export * from ${FIXTURE};`, `import { c as ${c}, d as ${d} } from ${FIXTURE};`]);
        continue;
      }
      if (kind === 12) {
        parts.push(["L: for (const i of [0, 1]) { if (i === 0) break L; }", "L: for (const i of [0, 1]) { if (i === 0) break L; }"]);
        continue;
      }
      const name = fresh(o.a, kind === 20 || kind === 21 ? GLOBALS : POOL);
      if (!name) continue;
      const e = expr(o.b, o.a + 1, o.c, name);
      const num = (r: string) => r;
      let two: Two;
      if (kind === 0 || kind === 1 || kind === 11) {
        const [cn, mn] = declare(name, num, kind === 1);
        const kw = kind === 1 ? "let" : "const";
        const init = kind === 11 ? (s: string) => `await Promise.resolve(${s})` : (s: string) => s;
        two = [`${ex}${kw} ${cn} = ${init(e[0])};`, `${ex}${kw} ${mn} = ${init(e[1])};`];
      } else if (kind === 3) {
        const [cn, mn] = declare(name, (r) => `${r}()`);
        two = [`${ex}function ${cn}() { return ${e[0]}; }`, `${ex}function ${mn}() { return ${e[1]}; }`];
      } else if (kind === 4) {
        const [cn, mn] = declare(name, (r) => `${r}()`);
        two = [`${ex}const ${cn} = () => ${e[0]};`, `${ex}const ${mn} = () => ${e[1]};`];
      } else if (kind === 5) {
        // nested destructuring with a default and a rest element; a second name when one is free
        const [cn, mn] = declare(name, num);
        const second = fresh(o.b);
        const rest = second ? declare(second, (r) => `${r}.length`) : null;
        const tail: Two = rest ? [`, ...${rest[0]}`, `, ...${rest[1]}`] : ["", ""];
        two = [`${ex}const { v: [${cn} = ${o.c}${tail[0]}] = [] } = { v: [${e[0]}, 1, 2] };`, `${ex}const { v: [${mn} = ${o.c}${tail[1]}] = [] } = { v: [${e[1]}, 1, 2] };`];
      } else if (kind === 6 || kind === 14) {
        // shorthand property of a value in scope
        const vs = visible(name).filter((b) => !b.const_enum); // a const enum is no value of its own
        if (!vs.length) continue;
        const inner = vs[o.b % vs.length];
        const r = raw(inner);
        const [cn, mn] = declare(name, (x) => inner.use(`${x}.${inner.name}`));
        two = [`${ex}const ${cn} = { ${inner.name} };`, `${ex}const ${mn} = { ${inner.name}: ${r[1]} };`];
      } else if (kind === 7) {
        const [cn, mn] = declare(name, (r) => `new ${r}().get()`);
        two = [`${ex}class ${cn} { v = ${e[0]}; get() { return this.v; } }`, `${ex}class ${mn} { v = ${e[1]}; get() { return this.v; } }`];
      } else if (kind === 8) {
        const [cn, mn] = declare(name, (r) => `${r}.B`);
        two = [`${ex}enum ${cn} { A = ${o.c}, B }`, `${ex}enum ${mn} { A = ${o.c}, B }`];
      } else if (kind === 9) {
        const [cn, mn] = declare(name, (r) => `${r}.k`, false, true);
        const body = (x: string) => `{ export const k = ${x}; export namespace In { export const v = k + 1; } }`;
        two = [`${ex}namespace ${cn} ${body(e[0])}`, `${ex}namespace ${mn} ${body(e[1])}`];
      } else if (kind === 16) {
        // a function merged with a namespace
        const [cn, mn] = declare(name, (r) => `(${r}() + ${r}.k)`, false, true);
        const ns = `{ export const k = ${o.c}; export namespace In { export const v = k + 1; } }`;
        two = [`${ex}function ${cn}() { return ${e[0]}; }\nnamespace ${cn} ${ns}`, `${ex}function ${mn}() { return ${e[1]}; }\nnamespace ${mn} ${ns}`];
      } else if (kind === 17) {
        const [cn, mn] = declare(name, (r) => `new (class extends ${r} { f() { return 2; } })().g()`);
        const body = (x: string) => `{ v = ${x}; abstract f(): number; g() { return this.f() * this.v; } }`;
        two = [`${ex}abstract class ${cn} ${body(e[0])}`, `${ex}abstract class ${mn} ${body(e[1])}`];
      } else if (kind === 18) {
        // overloads
        const [cn, mn] = declare(name, (r) => `${r}(${o.c}) + ${r}("xy").length`);
        const sig = (n: string, x: string) => `${ex}function ${n}(x: number): number;\n${ex}function ${n}(x: string): string;\n${ex}function ${n}(x: number | string): number | string { return typeof x === "number" ? x + ${x} : x; }`;
        two = [sig(cn, e[0]), sig(mn, e[1])];
      } else if (kind === 19) {
        const [cn, mn] = declare(name, (r) => `${r}.B`);
        scope.get(name)!.const_enum = true;
        two = [`${ex}const enum ${cn} { A = ${o.c}, B }`, `${ex}const enum ${mn} { A = ${o.c}, B }`];
      } else if (kind === 20) {
        // a global declared in a cell (GLOBALS names only)
        const [cn, mn] = declare(name, (r) => r);
        two = [`declare global { var ${cn}: number }\nglobalThis.${cn} = ${e[0]};`, `declare global { var ${mn}: number }\nglobalThis.${mn} = ${e[1]};`];
      } else if (kind === 21) {
        // an ambient declaration of a global
        const [cn, mn] = declare(name, (r) => r);
        two = [`(globalThis as any).${cn} = ${e[0]};\ndeclare const ${cn}: number;`, `(globalThis as any).${mn} = ${e[1]};\ndeclare const ${mn}: number;`];
      } else if (kind === 22) {
        // an interface and a const of one name
        const [cn, mn] = declare(name, (r) => `${r}.v`);
        two = [`${ex}interface ${cn} { v: number }\n${ex}const ${cn}: ${cn} = { v: ${e[0]} };`, `${ex}interface ${mn} { v: number }\n${ex}const ${mn}: ${mn} = { v: ${e[1]} };`];
      } else if (kind === 24) {
        // a named re-export (cells) / import (module) of the fixture's `d`, or its namespace
        const [cn, mn] = declare(name, o.x ? (r) => r : (r) => `${r}.c`);
        two = o.x
          ? [`export { d as ${cn} } from ${FIXTURE};`, `import { d as ${mn} } from ${FIXTURE};`]
          : [`${o.c % 2 ? "export" : "import"} * as ${cn} from ${FIXTURE};`, `import * as ${mn} from ${FIXTURE};`];
      } else if (kind === 25) {
        // an alias of an earlier namespace's inner namespace
        const nss = visible(name).filter((b) => b.ns);
        if (!nss.length) continue;
        const r = raw(nss[o.b % nss.length]);
        const [cn, mn] = declare(name, (x) => `${x}.v`);
        two = [`import ${cn} = ${r[0]}.In;`, `import ${mn} = ${r[1]}.In;`];
      } else if (kind === 10) {
        const [cn, mn] = declare(name, (r) => `[...${r}()][0]`);
        two = [`${ex}function* ${cn}() { yield ${e[0]}; }`, `${ex}function* ${mn}() { yield ${e[1]}; }`];
      } else {
        // 15: a plain `let` (more reassignment targets)
        const [cn, mn] = declare(name, num, true);
        two = [`let ${cn} = ${e[0]};`, `let ${mn} = ${e[1]};`];
      }
      parts.push(two);
    }
    if (cell.value) {
      const e = expr(cell.value.a, cell.value.b, cell.value.c);
      parts.push([e[0], `__vals[${k}] = ${e[1]};`]);
    }
    for (const b of later) scope.set(b.name, b);
    has_value.push(!!cell.value);
    cells.push(parts.map((p) => p[0]).join("\n"));
    module.push(parts.map((p) => p[1]).join("\n"));
  });
  return { cells, module: module.join("\n"), has_value };
}

/** Runs the module (types stripped, top-level await allowed) and returns the cell values as the kernel prints them. */
async function module_values(module: string, n: number): Promise<Array<string | undefined>> {
  const ts = load_typescript();
  const js = ts.transpileModule(`export {};\nconst __vals: unknown[] = [];\n${module}\n__result.push(...__vals.map((v) => v));`, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const out: unknown[] = [];
  await new AsyncFunction("exports", "require", "__result", js)({}, Module.createRequire(path.join(ROOT, "__module__.js")), out);
  return Array.from({ length: n }, (_, i) => (out[i] === undefined ? undefined : plain_text(out[i])));
}

const o = (op: number, a = 0, b = 0, c = 0, x = false): Op => ({ op, a, b, c, x });
const v1 = { a: 1, b: 0, c: 0 };
/**
 * Counterexamples fast-check found with a fix switched off, run first on every seed: a `declare global` var
 * unknown even in its own cell; an ambient `declare const`
 * read as a cell binding; `export *`'s names not seen later; `export { d as a } from` not seen later; a const
 * rebound by `import * as` (an assignment through its accessor); `import V = b.In` reading `b` as a global; a
 * shorthand of a class whose name a later cell rebinds (`typeof a` then meant the new `a`); the same when the
 * rebinding is an `export *` in the shorthand's own cell.
 */
const EXAMPLES: Array<Parameters<typeof render>[0]> = [
  [{ ops: [o(20)], value: v1 }],
  [{ ops: [o(21)] }, { ops: [], value: v1 }],
  [{ ops: [o(23)] }, { ops: [], value: v1 }],
  [{ ops: [o(24, 0, 0, 0, true)] }, { ops: [], value: v1 }],
  [{ ops: [o(0, 22)] }, { ops: [o(24, 22)] }],
  [{ ops: [o(16, 1)] }, { ops: [o(25)] }, { ops: [], value: v1 }],
  [{ ops: [o(7)] }, { ops: [o(0, 5, 1), o(14)] }, { ops: [o(0)] }, { ops: [o(0, 0, 1)], value: v1 }],
  [{ ops: [o(7, 22)] }, { ops: [o(23), o(14)] }, { ops: [], value: v1 }],
];

test("cell sequences give the values of the same code run as one module (fast-check, cells over a grammar of top-level forms)", { timeout: 600_000 }, async () => {
  const seed = Number(process.env.BERTLAB_FC_SEED ?? 20261207);
  await fc.assert(
    fc.asyncProperty(plan_arb, async (plan) => {
      const { cells, module, has_value } = render(plan);
      const expected = await module_values(module, cells.length);
      const k = new Cells();
      for (let i = 0; i < cells.length; i++) {
        const r = await k.run(cells[i]);
        assert.equal(r.status, "ok", `cell ${i + 1} failed: ${r.ename}: ${r.evalue}\n--- cells ---\n${cells.map((c, j) => `[${j + 1}]\n${c}`).join("\n")}\n--- module ---\n${module}`);
        if (has_value[i]) assert.equal(r.value, expected[i], `cell ${i + 1}'s value\n--- cells ---\n${cells.map((c, j) => `[${j + 1}]\n${c}`).join("\n")}\n--- module ---\n${module}`);
      }
    }),
    { seed, examples: EXAMPLES.map((p) => [p] as [typeof p]), numRuns: Number(process.env.BERTLAB_FC_RUNS ?? 30), endOnFailure: !!process.env.BERTLAB_FC_QUICK, includeErrorInReport: true },
  );
});
