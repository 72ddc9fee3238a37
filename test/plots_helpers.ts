// Shared fixture loading for the plots tests (golden slices copied by test/fixtures/plots/make_fixtures.py).
import * as fs from "fs";
import * as path from "path";
import { readSafetensors } from "../src/hub/safetensors";

export const FIX = path.join(__dirname, "fixtures", "plots");
export const goldens = JSON.parse(fs.readFileSync(path.join(FIX, "goldens.json"), "utf8"));

/** Nested plain arrays from a flat tensor. */
export function nest(data: ArrayLike<number>, shape: number[]): any {
  if (shape.length === 0) return data[0];
  const [n, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => nest(Array.prototype.slice.call(data, i * size, (i + 1) * size), rest));
}

export function tensors(file: string): Map<string, any> {
  const st = readSafetensors(path.join(FIX, file));
  const out = new Map<string, any>();
  for (const [k, t] of st.tensors) out.set(k, nest(t.data, t.shape));
  return out;
}

export function close(actual: number, expected: number, rel = 1e-5, abs = 1e-7): boolean {
  return Math.abs(actual - expected) <= abs + rel * Math.abs(expected);
}
