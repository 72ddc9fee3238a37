// captum's integral approximations (attr/_utils/approximation_methods.py): points `alphas` in [0, 1]
// and their weights `step_sizes`. gausslegendre = numpy's leggauss(n) mapped from [-1, 1] to [0, 1]
// (nodes ascending, weights halved); riemann_trapezoid = linspace(0, 1, n) with 1/n each, halved at both
// ends (as captum: the weights sum to 1 - 1/n); riemann_left / right / middle for completeness.

/** The integral approximation of integrated_gradients (captum's `method`): Gauss–Legendre (captum's default) or a Riemann sum. */
export type IntegrationMethod = "gausslegendre" | "riemann_trapezoid" | "riemann_left" | "riemann_right" | "riemann_middle";

/** Legendre P_n(x) and its derivative by the three-term recurrence. */
function legendre(n: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
  const dp = n === 0 ? 0 : (n * (x * p1 - p0)) / (x * x - 1);
  return [n === 0 ? 1 : p1, dp];
}

/** Gauss–Legendre nodes (ascending) and weights on [-1, 1], as numpy.polynomial.legendre.leggauss. */
export function leggauss(n: number): { x: number[]; w: number[] } {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`leggauss: n must be a positive integer, got ${n}`);
  if (n === 1) return { x: [0], w: [2] };
  const x = new Array<number>(n);
  const w = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5)); // Tricomi's first guess, root i from the right
    for (let it = 0; it < 100; it++) {
      const [p, dp] = legendre(n, z);
      const dz = p / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    const [, dp] = legendre(n, z);
    x[n - 1 - i] = z;
    w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}

function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

/** captum's approximation_parameters(method)(n): `{ alphas, step_sizes }`. */
export function approximation_parameters(method: IntegrationMethod, n_steps: number): { alphas: number[]; step_sizes: number[] } {
  if (!(Number.isInteger(n_steps) && n_steps > 0)) throw new Error(`n_steps must be a positive integer, got ${n_steps}`);
  if (method === "gausslegendre") {
    const { x, w } = leggauss(n_steps);
    return { alphas: x.map((v) => 0.5 * (1 + v)), step_sizes: w.map((v) => 0.5 * v) };
  }
  if (!method.startsWith("riemann_")) throw new Error(`method '${method}' is not one of gausslegendre, riemann_trapezoid, riemann_left, riemann_right, riemann_middle`);
  if (n_steps < 2) throw new Error("The number of steps has to be larger than one");
  const step_sizes = new Array(n_steps).fill(1 / n_steps);
  const n = n_steps;
  switch (method) {
    case "riemann_trapezoid":
      step_sizes[0] /= 2;
      step_sizes[n - 1] /= 2;
      return { alphas: linspace(0, 1, n), step_sizes };
    case "riemann_left":
      return { alphas: linspace(0, 1 - 1 / n, n), step_sizes };
    case "riemann_right":
      return { alphas: linspace(1 / n, 1, n), step_sizes };
    case "riemann_middle":
      return { alphas: linspace(1 / (2 * n), 1 - 1 / (2 * n), n), step_sizes };
    default:
      throw new Error(`method '${method}' is not one of gausslegendre, riemann_trapezoid, riemann_left, riemann_right, riemann_middle`);
  }
}
