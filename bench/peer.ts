// Runs bench/peer_torch.py with /usr/bin/python3 under the fair settings from notes/backends.md,
// applied to that child process only: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset,
// OMP_WAIT_POLICY=PASSIVE, torch.set_num_threads(threads).
import { spawnSync } from "child_process";
import * as path from "path";

export interface PeerJob {
  id: string;
  kind: "forward" | "forward_cpu" | "train";
  batch: number;
  seq: number;
  config: object;
  warmup?: number;
  reps?: number;
}

export interface PeerResult {
  available: boolean;
  /** Why the peer did not run (missing python/torch, crash). */
  reason?: string;
  info?: { torch: string; threads: number; sgemm_gflops?: number };
  median_ms: Map<string, number>;
}

export const PYTHON = process.env.BERTLAB_PEER_PYTHON ?? "/usr/bin/python3";

export function peerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: "PASSIVE" };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** Whether the peer can run here: python3 exists and imports torch. */
export function peerAvailable(): { ok: boolean; reason?: string } {
  const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", env: peerEnv(), timeout: 60_000 });
  if (r.error) return { ok: false, reason: `${PYTHON} not runnable (${r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `${PYTHON} cannot import torch (install Debian python3-torch)` };
  return { ok: true };
}

export function runPeer(jobs: PeerJob[], threads: number): PeerResult {
  const median_ms = new Map<string, number>();
  const avail = peerAvailable();
  if (!avail.ok) return { available: false, reason: avail.reason, median_ms };
  const script = path.join(__dirname, "..", "..", "bench", "peer_torch.py");
  // torch.set_num_threads does not size OpenBLAS's own pthread pool: pin it to the same count
  const env = { ...peerEnv(), OPENBLAS_NUM_THREADS: String(threads) };
  const r = spawnSync(PYTHON, [script, JSON.stringify({ threads, jobs })], { encoding: "utf8", env, timeout: 30 * 60_000, maxBuffer: 1 << 24 });
  let info: PeerResult["info"];
  for (const line of (r.stdout ?? "").split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const row = JSON.parse(line);
    if (row.info) info = row.info;
    else if (row.id) median_ms.set(row.id, row.median_ms);
  }
  if (r.status !== 0) {
    const err = (r.stderr ?? "").trim().split("\n").slice(-1)[0] ?? `exit ${r.status}`;
    return { available: median_ms.size > 0, reason: `peer_torch.py failed: ${err}`, info, median_ms };
  }
  return { available: true, info, median_ms };
}
