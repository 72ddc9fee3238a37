// The kernel's process family: its descendants (processes a cell spawned, and theirs), found through /proc on
// Linux and `ps` elsewhere, so that they end with the kernel. Used by the main thread and the lifeline worker.
import * as fs from "fs";
import { execFileSync } from "child_process";

function parent_table(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  const add = (pid: number, ppid: number) => {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  };
  if (fs.existsSync("/proc/self/stat")) {
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        // pid (comm) state ppid ...; comm may contain spaces and parentheses
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        add(Number(name), ppid);
      } catch {
        // exited meanwhile
      }
    }
  } else {
    const out = execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
    for (const line of out.split("\n")) {
      const [pid, ppid] = line.trim().split(/\s+/).map(Number);
      if (pid > 0) add(pid, ppid);
    }
  }
  return children;
}

/** Every live descendant of `pid`, parents before children. */
export function descendants(pid: number = process.pid): number[] {
  const table = parent_table();
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of table.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Sends `signal` to every descendant of this process (stopped first, so none can spawn more meanwhile). */
export function kill_descendants(signal: NodeJS.Signals = "SIGKILL"): number[] {
  const pids = descendants();
  for (const p of pids) {
    try {
      process.kill(p, "SIGSTOP");
    } catch {
      // already gone
    }
  }
  for (const p of pids) {
    try {
      process.kill(p, signal);
      if (signal !== "SIGKILL") process.kill(p, "SIGCONT");
    } catch {
      // already gone
    }
  }
  return pids;
}
