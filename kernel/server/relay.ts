// main.ts's launcher for a kernel started from the startup snapshot: `node --snapshot-blob BLOB main.js FILE` as
// a child in the same process group, stdio inherited (the kernel's log stays the launcher's stderr). SIGINT,
// SIGTERM and SIGHUP are forwarded (a SIGINT to the whole group reaches the kernel twice; start.ts counts two
// within 50 ms as one); the child's exit code (or signal) becomes the launcher's. The child writes one byte on
// fd 3 once the blob has deserialized; a child that ends before that (a corrupt or incompatible blob) calls
// `fallback` instead, and the launcher then runs the kernel itself. If the launcher is killed outright, or its
// own parent dies, the kernel's lifeline sees its parent gone and ends the kernel.
import { spawn } from "child_process";

export function relay_to_snapshot(blob: string, main_js: string, connection_file: string, fallback: (why: string) => void): void {
  const child = spawn(process.execPath, ["--snapshot-blob", blob, main_js, connection_file], {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
    env: { ...process.env, BERTLAB_SNAPSHOT_READY_FD: "3", BERTLAB_KERNEL_RELAY: "1" },
  });
  let ready = false;
  const ready_pipe = child.stdio[3] as NodeJS.ReadableStream;
  ready_pipe.on("data", () => (ready = true));
  ready_pipe.on("error", () => {});
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const forward = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of signals) process.on(sig, forward);
  // the launcher's own parent gone (the front end killed): the launcher goes too, and the kernel's lifeline,
  // watching the launcher, then ends the kernel and its descendants
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 250);
  let done = false;
  child.on("error", (e) => {
    if (done) return;
    done = true;
    clearInterval(watch);
    for (const sig of signals) process.off(sig, forward);
    fallback(e.message);
  });
  // "close" comes after the exit and after the ready pipe's last data
  child.on("close", (code, signal) => {
    if (done) return;
    done = true;
    clearInterval(watch);
    for (const sig of signals) process.off(sig, forward);
    if (!ready) return fallback(signal ? `killed by ${signal}` : `exit code ${code}`);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
