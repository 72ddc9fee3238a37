// The kernel's own log: diagnostics about the kernel and its peers (bad signatures, malformed messages,
// warm-up failures), never a cell's output. Lines go to the process's real stderr — captured here, before
// hooks.ts routes process.stderr into the running cell — and, when $BERTLAB_KERNEL_LOG names a file, are
// appended to it too. Control characters are escaped, so a peer cannot colour or rewrite the log.
import * as fs from "fs";

export function kernel_log(env: NodeJS.ProcessEnv = process.env): (line: string) => void {
  const write_err = process.stderr.write.bind(process.stderr);
  const file = env.BERTLAB_KERNEL_LOG;
  return (line: string) => {
    const text = `[bertlab kernel] ${line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)}\n`;
    write_err(text);
    if (file) {
      try {
        fs.appendFileSync(file, `${new Date().toISOString()} ${text}`, { mode: 0o600 });
      } catch {
        // the stderr line is written; a log file that cannot be written is not worth stopping for
      }
    }
  };
}
