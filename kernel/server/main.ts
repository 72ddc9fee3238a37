#!/usr/bin/env node
// bertlab's Jupyter kernel process: `node dist/kernel/server/main.js CONNECTION_FILE` (what the kernelspec
// runs). When a startup snapshot of the cell compiler exists for this Node and TypeScript (../ts/snapshot.ts:
// TypeScript with the declaration files parsed and bound), the kernel runs in a child started from it
// (relay.ts: signals forwarded, its exit code passed on) and the first cell skips seconds of parsing; otherwise,
// or when the blob fails to start (it is then deleted), in this process (start.ts). BERTLAB_SNAPSHOT=0: never.
// Nothing heavy is loaded here before that choice.
import { find_snapshot, invalidate_snapshot, snapshot_enabled, typescript_path } from "../ts/snapshot";
import { relay_to_snapshot } from "./relay";

export function start_kernel(connection_file: string): Promise<void> {
  return (require("./start") as typeof import("./start")).start_kernel(connection_file);
}

/** Starts the kernel in this process; a failure to start ends the process with a message. */
export function main_in_process(connection_file: string): void {
  start_kernel(connection_file).catch((e) => {
    process.stderr.write(`bertlab kernel failed to start: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}

function snapshot_blob(): string | null {
  try {
    return snapshot_enabled() ? find_snapshot(typescript_path()) : null;
  } catch {
    return null; // no tslab here: the kernel reports it when a cell compiles
  }
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node kernel/server/main.js CONNECTION_FILE (Jupyter passes {connection_file})\n");
    process.exit(2);
  }
  const blob = snapshot_blob();
  if (!blob) main_in_process(file);
  else {
    relay_to_snapshot(blob, __filename, file, (why) => {
      process.stderr.write(`[bertlab kernel] the startup snapshot ${blob} did not start (${why}); deleted, starting without it\n`);
      try {
        invalidate_snapshot(blob);
      } catch {
        // already gone
      }
      main_in_process(file);
    });
  }
}
