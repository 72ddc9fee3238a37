// Preloaded into every test process by `npm test` (`--import ./test/helpers/hide_tools.ts`), import-free:
// BERTLAB_TEST_WITHOUT=chromium points BERTLAB_CHROMIUM at a missing file, so every test file — also those
// that ask plots/render's chromium_path() directly — and every kernel they start see no browser.
// (Jupyter is hidden by tools.ts, through which every Jupyter test detects it.)
const hidden = (process.env.BERTLAB_TEST_WITHOUT ?? "").split(",").map((s) => s.trim().toLowerCase());
if (hidden.includes("chromium")) process.env.BERTLAB_CHROMIUM = "/nonexistent/chromium-hidden-by-BERTLAB_TEST_WITHOUT";
export {};
