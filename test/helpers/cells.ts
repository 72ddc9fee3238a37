// Runs cells through the kernel's TypeScript executor in this process (no Jupyter, no zeromq): a cell's value as
// its text/plain, its error as ename / evalue. Cells that import "bertlab" need `npm run build` first.
import * as path from "node:path";
import { TsExecutor } from "../../kernel/ts/executor";

export const ROOT = path.join(__dirname, "..", "..");

export type CellRun = { status: "ok" | "error"; value?: string; ename?: string; evalue?: string };

export class Cells {
  private readonly ex = new TsExecutor({ cwd: ROOT });
  private n = 0;

  async run(code: string): Promise<CellRun> {
    const r = await this.ex.execute(code, ++this.n);
    if (r.status === "error") return { status: "error", ename: r.ename, evalue: r.evalue };
    const value = r.result?.data["text/plain"];
    return { status: "ok", ...(value === undefined ? {} : { value: String(value) }) };
  }

  /** The completions offered at the end of `code`. */
  complete(code: string): string[] {
    return this.ex.complete(code, code.length).matches;
  }

  /** The cell's value; fails with the cell's error when it has none. */
  async value(code: string): Promise<string | undefined> {
    const r = await this.run(code);
    if (r.status === "error") throw new Error(`cell failed: ${code}\n${r.ename}: ${r.evalue}`);
    return r.value;
  }
}
