// Hub settings read from the environment at call time (so notebooks and tests can change them),
// with the same variables and defaults as Python's huggingface_hub / transformers.
import * as os from "os";
import * as path from "path";

const TRUE = new Set(["1", "on", "yes", "true"]);

function flag(name: string): boolean {
  return TRUE.has((process.env[name] ?? "").trim().toLowerCase());
}

/** The hub's base URL: HF_ENDPOINT, or https://huggingface.co. */
export function hf_endpoint(): string {
  return (process.env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
}

/** The cache shared with Python: HF_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME or ~/.cache, + huggingface/hub. */
export function default_cache_dir(): string {
  const hub = process.env.HF_HUB_CACHE || process.env.HUGGINGFACE_HUB_CACHE;
  if (hub) return expandHome(hub);
  if (process.env.HF_HOME) return path.join(expandHome(process.env.HF_HOME), "hub");
  const xdg = process.env.XDG_CACHE_HOME ? expandHome(process.env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
  return path.join(xdg, "huggingface", "hub");
}

/** True when HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is set to 1 / ON / YES / TRUE. */
export function is_offline_mode(): boolean {
  return flag("HF_HUB_OFFLINE") || flag("TRANSFORMERS_OFFLINE");
}

/** True when HF_HUB_DISABLE_PROGRESS_BARS asks for no progress bars. */
export function progress_bars_disabled(): boolean {
  return flag("HF_HUB_DISABLE_PROGRESS_BARS");
}

/** The token to send: the explicit one, else HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN). */
export function hf_token(explicit?: string): string | undefined {
  return explicit || process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || undefined;
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}
