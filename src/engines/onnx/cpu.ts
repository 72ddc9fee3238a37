// Which int8 GEMM this CPU runs exactly, and so which quantization scheme `quantize()` picks.
// onnxruntime's MLAS multiplies uint8 activations by the int8 weights with
//   VNNI (avx512_vnni / avx_vnni / AMX): vpdpbusd, u8·s8 products summed straight into int32 — exact;
//   AVX2 or AVX-512 without VNNI: vpmaddubsw, which adds each pair of u8·s8 products into int16 *with
//   saturation* (255·127·2 = 64,770 > 32,767), so large activations meeting large weights are clipped.
// Without VNNI the weights are 7-bit (reduce_range), whose pair sums cannot saturate (see NON_VNNI_SCHEME).
//   int8_cpu_info() → { avx2, avx512f, avx512_vnni, avx_vnni, amx, scheme, reason, ... }
import * as fs from "fs";
import * as os from "os";

/**
 * How dynamic int8 weights meet the uint8 activations in ORT's integer GEMM:
 * - "u8s8": int8 weights in [-127, 127] (ORT's default); exact with VNNI, saturating without it.
 * - "u8u8": the same 8-bit weights stored as uint8 (q + 128, zero point 128); MLAS widens both sides to
 *   int16 and sums pairs with vpmaddwd into int32 — exact on every x86-64 CPU, same accuracy as u8s8.
 * - "reduce_range": 7-bit int8 weights in [-63, 63] (ORT's `reduce_range`): a pair sum is at most
 *   255·63·2 = 32,130 ≤ 32,767, so the u8s8 kernel cannot saturate; half the weight resolution.
 */
export type Int8Scheme = "u8s8" | "u8u8" | "reduce_range";
/**
 * Every int8 scheme bertlab quantizes with: "u8s8", "u8u8", "reduce_range" (see Int8Scheme; Python: onnxruntime's
 * `quantize_dynamic` with QInt8 / QUInt8 weights and `reduce_range`). `quantize({ scheme })` and
 * BERTLAB_INT8_SCHEME take one of them, or "auto" (the CPU's choice).
 * @example
 * ```ts
 * INT8_SCHEMES  // ["u8s8", "u8u8", "reduce_range"]
 * ```
 */
export const INT8_SCHEMES: readonly Int8Scheme[] = ["u8s8", "u8u8", "reduce_range"];

/**
 * The scheme for CPUs without VNNI (AVX2, AVX-512 F/BW), and for CPUs whose features cannot be read:
 * reduce_range. It runs the same fast u8s8 kernel and cannot saturate. Measured (README, "int8 inference"):
 * u8u8 is exact too but its int16 kernel took 3–4× the time of u8s8 for bert-base b1 / b8 (most of int8's
 * gain over fp32 gone), while reduce_range's cosine against fp32 stays ≥ 0.9998 on the goldens and the
 * shipped mini-BERT (u8s8 on an emulated AVX2 CPU: 0.99737).
 */
export const NON_VNNI_SCHEME: Int8Scheme = "reduce_range";

/** The environment variable that forces a scheme for `scheme: "auto"` (tests, or a user who knows better). */
export const INT8_SCHEME_ENV = "BERTLAB_INT8_SCHEME";

/** What `int8_cpu_info()` reports: the CPU's int8-relevant feature flags, the scheme `quantize({ scheme: "auto" })` picks and why. */
export interface Int8CpuInfo {
  /** process.arch ("x64", "arm64", ...). */
  arch: string;
  /** The CPU's model name (os.cpus()[0].model). */
  model: string;
  /** Where the feature flags came from: "/proc/cpuinfo", or null when they could not be read. */
  flags_source: string | null;
  /** The CPU has AVX2 (flag avx2). */
  avx2: boolean;
  /** The CPU has AVX-512 Foundation (flag avx512f). */
  avx512f: boolean;
  /** AVX-512 VNNI (flag avx512_vnni): vpdpbusd on 512-bit registers. */
  avx512_vnni: boolean;
  /** AVX-VNNI (flag avx_vnni): vpdpbusd on 256-bit registers. */
  avx_vnni: boolean;
  /** AMX int8 tiles (amx_int8; MLAS uses VNNI or AMX for u8s8 there). */
  amx: boolean;
  /** avx512_vnni, avx_vnni or amx: u8s8 products add up in int32 exactly. */
  vnni: boolean;
  /** The scheme `quantize({ scheme: "auto" })` picks now (BERTLAB_INT8_SCHEME included). */
  scheme: Int8Scheme;
  /** Why that scheme, in one sentence. */
  reason: string;
  /** The value of BERTLAB_INT8_SCHEME when it decided, else null. */
  forced_by_env: Int8Scheme | null;
}

/** The CPU's feature flags from /proc/cpuinfo (Linux), or null where there is none. */
function cpuFlags(): Set<string> | null {
  try {
    const text = fs.readFileSync("/proc/cpuinfo", "utf8");
    const line = text.split("\n").find((l) => /^(flags|Features)\s*:/.test(l));
    return line ? new Set(line.split(":")[1].trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

let cachedFlags: Set<string> | null | undefined;

/** The scheme BERTLAB_INT8_SCHEME forces, null when unset; an error naming the bad value. */
export function env_int8_scheme(): Int8Scheme | null {
  const v = (process.env[INT8_SCHEME_ENV] ?? "").trim();
  if (!v || v === "auto") return null;
  if (!(INT8_SCHEMES as readonly string[]).includes(v)) throw new Error(`${INT8_SCHEME_ENV}='${v}' is not an int8 scheme; expected one of auto, ${INT8_SCHEMES.join(", ")}`);
  return v as Int8Scheme;
}

/**
 * The CPU's int8-relevant features and the quantization scheme bertlab picks for it, with the reason
 * (what `npx bertlab doctor` prints):
 *   int8_cpu_info() // { avx2: true, avx512_vnni: false, ..., scheme: "u8u8", reason: "AVX2 without VNNI: ..." }
 */
export function int8_cpu_info(): Int8CpuInfo {
  if (cachedFlags === undefined) cachedFlags = cpuFlags();
  const f = cachedFlags;
  const has = (name: string) => !!f?.has(name);
  const feats = { avx2: has("avx2"), avx512f: has("avx512f"), avx512_vnni: has("avx512_vnni"), avx_vnni: has("avx_vnni"), amx: has("amx_int8") };
  const vnni = feats.avx512_vnni || feats.avx_vnni || feats.amx;
  const x86 = process.arch === "x64" || process.arch === "ia32";
  const forced = env_int8_scheme();
  let scheme: Int8Scheme;
  let reason: string;
  if (forced) {
    scheme = forced;
    reason = `${INT8_SCHEME_ENV}=${forced} forces it`;
  } else if (x86 && vnni) {
    scheme = "u8s8";
    const which = [feats.avx512_vnni && "AVX-512 VNNI", feats.avx_vnni && "AVX-VNNI", feats.amx && "AMX"].filter(Boolean).join(", ");
    reason = `${which}: onnxruntime sums u8×s8 products in int32 (vpdpbusd), exact and the fastest int8 GEMM`;
  } else if (x86 && f) {
    scheme = NON_VNNI_SCHEME;
    const simd = feats.avx512f ? "AVX-512 without VNNI" : feats.avx2 ? "AVX2 without VNNI" : "no AVX2";
    reason = `${simd}: onnxruntime's u8s8 kernel adds pairs of u8×s8 products into int16 with saturation (vpmaddubsw), so ${NON_VNNI_SCHEME} (7-bit weights: a pair sum ≤ 255·63·2 = 32,130) is used`;
  } else {
    scheme = NON_VNNI_SCHEME;
    reason = f ? `${process.arch}: ${NON_VNNI_SCHEME}, whose products never saturate on any CPU` : `the CPU's features could not be read (no /proc/cpuinfo): ${NON_VNNI_SCHEME}, whose products never saturate on any CPU`;
  }
  return { arch: process.arch, model: os.cpus()[0]?.model ?? "unknown", flags_source: f ? "/proc/cpuinfo" : null, ...feats, vnni, scheme, reason, forced_by_env: forced };
}

/** The scheme `scheme: "auto"` means on this CPU now (BERTLAB_INT8_SCHEME, else the CPU's class). */
export function auto_int8_scheme(): Int8Scheme {
  return int8_cpu_info().scheme;
}
