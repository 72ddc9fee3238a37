// Preload (`node --require ./test/helpers/hide_modules.cjs`): makes the packages named in BERTLAB_TEST_HIDE_MODULES
// (comma-separated) fail to resolve with MODULE_NOT_FOUND, as in an install that lacks them — for testing the
// documented fallback when an optional or broken dependency is absent (e.g. playwright-core).
const Module = require("module");
const hidden = (process.env.BERTLAB_TEST_HIDE_MODULES || "").split(",").map((s) => s.trim()).filter(Boolean);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden.some((h) => request === h || request.startsWith(h + "/"))) {
    const e = new Error(`Cannot find module '${request}' (hidden by BERTLAB_TEST_HIDE_MODULES)`);
    e.code = "MODULE_NOT_FOUND";
    throw e;
  }
  return resolve.call(this, request, ...rest);
};
