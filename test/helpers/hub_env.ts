// What the tests against the local fake hub share around it: the HF_* variables they set, saved and restored, and
// their temporary folders, removed once the file's tests are done (after the hub is closed).
import { after } from "node:test";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FakeHub } from "../fixtures/hub/fake_hub";

export function hub_test_env(keys: readonly string[], hub: () => FakeHub | undefined): { tmp(prefix: string): string; clear(): void } {
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  const temps: string[] = [];
  after(async () => {
    await hub()?.close();
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
    for (const k of keys) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  });
  return {
    /** A fresh temporary folder, removed after the file's tests. */
    tmp(prefix: string): string {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      temps.push(d);
      return d;
    },
    /** Unsets every one of the variables (each test then sets what it needs). */
    clear(): void {
      for (const k of keys) delete process.env[k];
    },
  };
}
