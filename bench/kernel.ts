// Kernel cold start, side by side in alternating rounds: each round starts, in turn, bertlab's kernel, stock
// tslab and Deno's Jupyter kernel (`deno jupyter --kernel --conn FILE`, npm `deno`), each a fresh process with
// a fresh connection file, driven by the runner's client (kernel/client.ts). Timed from spawn: kernel ready
// (first kernel_info_reply), first result of the first cell (bertlab's: import bertlab, load the shipped
// mini-BERT and its tokenizer, one forward; Deno's: a trivial cell — it cannot import bertlab's CommonJS build
// the same way), then a trivial cell sent at once, then WARM_CELLS one-line cells as a person sends them (each
// after a WARM_PAUSE_MS pause), timed execute_request → execute_reply: the same cells for every kernel, and
// for bertlab after its first cell imported bertlab. Medians over the rounds (warm: over every cell of every round).
// Beside each wall time, the CPU time of the kernel's processes (the launcher and every descendant, from /proc,
// read at the first result), which a shared machine's load changes far less. bertlab runs twice per round: from
// its startup snapshot (kernel/ts/snapshot.ts; made ready before the rounds by one kernel whose first cell
// compiled, and its builder) and with BERTLAB_SNAPSHOT=0 (what the first kernel after an install or upgrade pays).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KernelClient } from "../kernel/client";
import { kernel_argv } from "../kernel/kernelspec";
import { median } from "./common";
import { find_snapshot, snapshot_lock_file, typescript_path } from "../kernel/ts/snapshot";

export const BERTLAB_CELL = [
  'import { BertTokenizer, BertModel } from "bertlab";',
  'const tokenizer = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased");',
  'const model = await BertModel.from_pretrained("bertlab/mini-bert-uncased");',
  'model(tokenizer("Hello, my dog is cute", { return_tensors: "tf" })).last_hidden_state.shape',
].join("\n");
export const TRIVIAL_CELL = "1 + 1";
/** One-line cells as typed in a live notebook: a value, a declaration, a use of it. */
export const WARM_CELLS = ["2 * 21", "const w1 = [1, 2, 3].map((x) => x * 2);", "w1.length + 1", "`${w1}`", "let w2 = 5;", "w2 += 1", "Math.max(w2, 3)", "[w2, w1[0]]"];
/** The pause before each warm cell (the time a person takes to type one is longer). */
export const WARM_PAUSE_MS = 400;

export type ColdStart = { ready_ms: number; first_ms: number; first_cpu_ms: number | null; trivial_ms: number; warm_ms: number[]; first_text: string };
export type KernelRow = { kernel: string; first_cell: string; runs: ColdStart[]; ready_ms: number; first_ms: number; first_cpu_ms: number | null; trivial_ms: number; warm_ms: number } | { kernel: string; missing: string };

/** CPU ms (user + system) used so far by `pid` and every live descendant (Linux /proc), or null elsewhere. */
export function tree_cpu_ms(pid: number): number | null {
  if (!fs.existsSync(`/proc/${pid}/stat`)) return null;
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state ppid ... utime(11) stime(12)
      const list = children.get(Number(f[1])) ?? [];
      list.push(Number(name));
      children.set(Number(f[1]), list);
      cpu.set(Number(name), (Number(f[11]) + Number(f[12])) * tick);
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  for (const stack = [pid]; stack.length; ) {
    const p = stack.pop()!;
    total += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Deno's binary from the npm `deno` package's platform package (@deno/<os>-<arch>[-glibc|-musl]), or null. */
export function deno_binary(): string | null {
  const name = process.platform === "win32" ? "deno.exe" : "deno";
  for (const suffix of ["-glibc", "-musl", ""]) {
    try {
      const pkg = require.resolve(`@deno/${process.platform}-${process.arch}${suffix}/package.json`);
      const bin = path.join(path.dirname(pkg), name);
      if (fs.existsSync(bin)) return bin;
    } catch {
      // not this variant
    }
  }
  return null;
}

/** Spawn → ready → first cell's reply → a trivial cell's reply, in one fresh kernel process. */
async function cold_start(argv: string[], cwd: string, first: string, env?: NodeJS.ProcessEnv): Promise<ColdStart> {
  const t0 = performance.now();
  const k = await KernelClient.start({ cwd, argv, env: env ? { ...process.env, ...env } : undefined, startup_timeout_ms: 300_000 });
  try {
    const ready_ms = performance.now() - t0;
    let text = "";
    const collect = (m: { header: { msg_type: string }; content: { [k: string]: any } }) => {
      if (m.header.msg_type === "stream") text += m.content.text;
      if (m.header.msg_type === "execute_result") text += m.content.data["text/plain"];
      if (m.header.msg_type === "error") text += `${m.content.ename}: ${m.content.evalue}`;
    };
    const r1 = await k.execute(first, collect, 300_000);
    const first_ms = performance.now() - t0;
    const first_cpu_ms = k.pid ? tree_cpu_ms(k.pid) : null;
    if (r1.status !== "ok") throw new Error(`first cell ${r1.status}: ${text}\n${k.log.slice(-2000)}`);
    const t1 = performance.now();
    const r2 = await k.execute(TRIVIAL_CELL, () => {}, 60_000);
    const trivial_ms = performance.now() - t1;
    if (r2.status !== "ok") throw new Error(`trivial cell ${r2.status}`);
    const warm_ms: number[] = [];
    for (const cell of WARM_CELLS) {
      await new Promise((res) => setTimeout(res, WARM_PAUSE_MS));
      const t = performance.now();
      const r = await k.execute(cell, () => {}, 60_000);
      warm_ms.push(performance.now() - t);
      if (r.status !== "ok") throw new Error(`warm cell ${JSON.stringify(cell)}: ${r.status}`);
    }
    return { ready_ms, first_ms, first_cpu_ms, trivial_ms, warm_ms, first_text: text.trim() };
  } finally {
    await k.shutdown();
  }
}

/**
 * Makes bertlab's startup snapshot current before the rounds, as a person's first kernel does: one kernel runs
 * the first cell and stays idle until it has asked for a build (3 s), then the builder is awaited. Returns a line
 * saying what was found.
 */
async function ready_snapshot(argv: string[], root: string): Promise<string> {
  const ts = typescript_path();
  const before = find_snapshot(ts);
  const k = await KernelClient.start({ cwd: root, argv, startup_timeout_ms: 300_000 });
  try {
    await k.execute(BERTLAB_CELL, () => {}, 300_000);
    await new Promise((res) => setTimeout(res, 4500));
  } finally {
    await k.shutdown();
  }
  const t = performance.now();
  while (fs.existsSync(snapshot_lock_file(ts)) && performance.now() - t < 300_000) await new Promise((res) => setTimeout(res, 250));
  const after = find_snapshot(ts);
  if (!after) return "no startup snapshot could be made (the rows \"from its snapshot\" start without one)";
  return after === before ? `startup snapshot current (${path.basename(after)})` : `startup snapshot built (${path.basename(after)}, ${((performance.now() - t) / 1000).toFixed(1)} s after the kernel ended)`;
}

/** `rounds` alternating rounds of bertlab's kernel (from its startup snapshot, and without), tslab and Deno's kernel; one row per kernel. */
export async function kernel_cold_start(rounds: number, log: (line: string) => void = console.log): Promise<KernelRow[]> {
  const root = path.join(__dirname, "..", "..");
  const deno = deno_binary();
  const deno_cwd = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-bench-deno-"));
  log(`  ${await ready_snapshot(kernel_argv("bertlab"), root)}`);
  const kernels: Array<{ kernel: string; argv: string[] | null; cwd: string; first: string; env?: NodeJS.ProcessEnv; missing?: string }> = [
    { kernel: "bertlab", argv: kernel_argv("bertlab"), cwd: root, first: BERTLAB_CELL },
    { kernel: "bertlab without its startup snapshot (BERTLAB_SNAPSHOT=0)", argv: kernel_argv("bertlab"), cwd: root, first: BERTLAB_CELL, env: { BERTLAB_SNAPSHOT: "0" } },
    { kernel: "tslab 1.0.22 (stock, lossless iopub)", argv: kernel_argv("tslab"), cwd: root, first: BERTLAB_CELL },
    {
      kernel: "deno jupyter",
      argv: deno ? [deno, "jupyter", "--kernel", "--conn", "{connection_file}"] : null,
      cwd: deno_cwd,
      first: TRIVIAL_CELL,
      missing: "npm `deno` is not installed (npm ci installs it as a devDependency)",
    },
  ];
  const runs = new Map<string, ColdStart[]>(kernels.map((k) => [k.kernel, []]));
  const failed = new Map<string, string>();
  for (let r = 0; r < rounds; r++) {
    for (const k of kernels) {
      if (!k.argv || failed.has(k.kernel)) continue;
      try {
        const c = await cold_start(k.argv, k.cwd, k.first, k.env);
        runs.get(k.kernel)!.push(c);
        log(`  round ${r + 1}: ${k.kernel}: ready ${c.ready_ms.toFixed(0)} ms, first result ${c.first_ms.toFixed(0)} ms (CPU ${c.first_cpu_ms?.toFixed(0) ?? "?"} ms; ${c.first_text.slice(0, 40)}), trivial cell ${c.trivial_ms.toFixed(0)} ms, warm one-line cells ${c.warm_ms.map((x) => x.toFixed(1)).join(" ")} ms`);
      } catch (e) {
        failed.set(k.kernel, (e as Error).message.split("\n")[0]);
        log(`  round ${r + 1}: ${k.kernel} failed: ${(e as Error).message}`);
      }
    }
  }
  fs.rmSync(deno_cwd, { recursive: true, force: true });
  return kernels.map((k) => {
    const rs = runs.get(k.kernel)!;
    if (!k.argv) return { kernel: k.kernel, missing: k.missing! };
    if (failed.has(k.kernel) && rs.length === 0) return { kernel: k.kernel, missing: failed.get(k.kernel)! };
    return {
      kernel: k.kernel,
      first_cell: k.first === TRIVIAL_CELL ? "trivial cell" : "import bertlab + mini-BERT + forward",
      runs: rs,
      ready_ms: median(rs.map((c) => c.ready_ms)),
      first_ms: median(rs.map((c) => c.first_ms)),
      first_cpu_ms: rs.every((c) => c.first_cpu_ms !== null) ? median(rs.map((c) => c.first_cpu_ms!)) : null,
      trivial_ms: median(rs.map((c) => c.trivial_ms)),
      warm_ms: median(rs.flatMap((c) => c.warm_ms)),
    };
  });
}
