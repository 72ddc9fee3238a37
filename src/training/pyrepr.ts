// Python's repr() of a float, so error messages copied from upstream read the same
// (`lr_end (2.0) must be ...`, `1e-07`), not JavaScript's `2` / `1e-7`.
export function pyfloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e"); // shortest round-trip digits
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let s: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    s = `${intPart}.${frac || "0"}`;
  } else {
    s = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${s}` : s;
}
