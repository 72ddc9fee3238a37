// One kernel per test file for the tests that only need a live one (starting one costs seconds): started on first
// use, shut down when the file's tests are done.
import { after } from "node:test";
import { KernelClient } from "../../kernel/client";

export function shared_kernel(cwd: string, env: NodeJS.ProcessEnv): () => Promise<KernelClient> {
  let shared: Promise<KernelClient> | undefined;
  after(async () => {
    if (shared) await (await shared).shutdown();
  });
  return () => (shared ??= KernelClient.start({ cwd, env, startup_timeout_ms: 120_000 }));
}
