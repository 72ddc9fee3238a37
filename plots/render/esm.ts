// vega and vega-lite 6 are ESM-only. TypeScript's CommonJS output would turn `import()` into `require`,
// which fails on an ESM graph, so the import goes through `new Function` and stays a real dynamic import.
// (This must live in a module file: inside a tslab cell `vm` has no dynamic-import callback.)
const dynamic_import = new Function("s", "return import(s)") as (specifier: string) => Promise<any>;

export interface VegaModules { vega: any; vl: any }

let loading: Promise<VegaModules> | undefined;

export function load_vega(): Promise<VegaModules> {
  if (!loading) {
    loading = Promise.all([dynamic_import("vega"), dynamic_import("vega-lite")]).then(([vega, vl]) => ({ vega, vl }));
    loading.catch(() => { loading = undefined; });
  }
  return loading;
}
