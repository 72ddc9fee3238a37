// Optional renderer for what needs a real DOM (plotly charts, the interactive head view): headless
// Chromium driven by playwright-core. Nothing is downloaded: it uses the system Chromium
// (/usr/bin/chromium, or BERTLAB_CHROMIUM) and says so clearly when that is missing. Without Chromium — or
// without playwright-core to drive it (a dependency, but an install may lack it) — chromium_path() is null and
// every caller takes its documented fallback (html charts: their static vega-lite twin's PNG; plotly: an
// interactive HTML fragment), never a crash.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The flags bertlab starts headless Chromium with to draw HTML charts as PNG.
 */
export const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** The Chromium executable on this machine, or null: BERTLAB_CHROMIUM, then the usual system paths. */
export function chromium_executable(): string | null {
  const env = process.env.BERTLAB_CHROMIUM;
  if (env) return fs.existsSync(env) ? env : null;
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/** Why playwright-core cannot be loaded, or null when it can. */
export function playwright_missing(): string | null {
  try {
    require.resolve("playwright-core");
    return null;
  } catch (e) {
    return `playwright-core does not load (${(e as Error).message.split("\n")[0]})`;
  }
}

/** The Chromium bertlab can drive, or null: an executable (chromium_executable()) and playwright-core to drive it. */
export function chromium_path(): string | null {
  const exe = chromium_executable();
  return exe && !playwright_missing() ? exe : null;
}

/** Why there is no usable browser and how to get one ("" when there is one). */
export function browser_missing_reason(): string {
  if (!chromium_executable()) {
    return `no headless Chromium was found (looked at ${process.env.BERTLAB_CHROMIUM ? `BERTLAB_CHROMIUM=${process.env.BERTLAB_CHROMIUM}` : CANDIDATES.join(", ")}). `
      + "Install it (Debian: `apt-get install -y chromium`) or set BERTLAB_CHROMIUM to its path";
  }
  const pw = playwright_missing();
  return pw ? `${pw}, which drives Chromium. Reinstall bertlab's dependencies (npm install bertlab), or npm install playwright-core` : "";
}

/**
 * Thrown when a PNG of an HTML chart needs Chromium and none is installed; the message says how to install it (`npx bertlab doctor` checks).
 */
export class ChromiumMissingError extends Error {
  constructor(what: string) {
    super(`${what} needs a headless Chromium: ${browser_missing_reason()}; vega-lite charts render to SVG/PNG without a browser.`);
    this.name = "ChromiumMissingError";
  }
}

/**
 * Opens `html` in a fresh headless Chromium page (viewport `width`×`height`, device scale `scale`),
 * runs `action(page)` and closes everything, also on error. The page has no network access.
 */
export async function with_page<T>(what: string, html: string, size: { width: number; height: number; scale?: number }, action: (page: any) => Promise<T>): Promise<T> {
  const exe = chromium_path();
  if (!exe) throw new ChromiumMissingError(what);
  const { chromium } = require("playwright-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe, headless: true, args: CHROMIUM_FLAGS, offline: true, timeout: 60_000,
    viewport: { width: Math.ceil(size.width), height: Math.ceil(size.height) }, deviceScaleFactor: size.scale ?? 1,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    await page.route("**/*", (route: any) => (route.request().url().startsWith("data:") ? route.continue() : route.abort()));
    await page.setContent(html, { waitUntil: "load" });
    return await action(page);
  } finally {
    await context.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
