// bertlab's preinstall: keep onnxruntime-node's CPU build when bertlab is installed into a project, offline or not,
// without a flag the user must know.
//
// onnxruntime-node ships its CPU binaries in its npm package; its postinstall only fetches the CUDA / TensorRT
// provider libraries (~hundreds of MB from NuGet) and exits early when those files are already present. Offline that
// download fails and npm then drops the whole optional package (inference falls back to tfjs, ~7× slower); online
// it downloads GPU libraries a CPU lab never loads. npm runs every package's preinstall before any postinstall, so
// here — after the packages are unpacked, before onnxruntime-node's postinstall — we write a small marker in place
// of each provider file that is missing. The CPU execution provider never opens them. To get the CUDA provider
// (a GPU machine, online), force onnxruntime-node's own download, which overwrites the markers:
//   ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node
// `npx bertlab doctor` reports the markers. Nothing is written when bertlab is the project itself (its package.json
// `allowScripts` denies onnxruntime-node's script), when onnxruntime-node is absent, when the user chose an install
// mode (ONNXRUNTIME_NODE_INSTALL / --onnxruntime-node-install), or when npm runs with scripts denied for it.
// Plain CommonJS without dependencies: it runs before anything is built. It never fails the install.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const MARKER = "bertlab: placeholder for an onnxruntime-node GPU provider library that was not downloaded " +
  "(CPU only). For CUDA: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\n";

/** onnxruntime-node's folder as Node would resolve it from bertlab's folder, or null. */
function find_ort(from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", "onnxruntime-node");
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The provider files onnxruntime-node's postinstall would download on this platform (from its own metadata). */
function provider_files(ort) {
  const metadata = require(path.join(ort, "script", "install-metadata.js"));
  const platform = `${process.platform}/${process.arch}`;
  const bin = path.join(ort, "bin", "napi-v6", process.platform, process.arch);
  const names = (metadata.requirements && metadata.requirements[platform]) || [];
  return names.flatMap((name) => Object.keys((metadata.manifests || {})[`${platform}:${name}`] || {}).map((f) => path.join(bin, f)));
}

function main() {
  const here = path.join(__dirname, "..");
  const root = process.env.npm_config_local_prefix;
  if (root && path.resolve(root) === path.resolve(here)) return "bertlab is the project itself";
  if (process.env.ONNXRUNTIME_NODE_INSTALL || process.env.ONNXRUNTIME_NODE_INSTALL_CUDA || process.env.npm_config_onnxruntime_node_install) {
    return "the user chose onnxruntime-node's install mode";
  }
  const ort = find_ort(here);
  if (!ort) return "onnxruntime-node is not installed";
  const files = provider_files(ort);
  const bin = files.length ? path.dirname(files[0]) : null;
  if (!bin || !fs.existsSync(path.join(bin, "onnxruntime_binding.node"))) return "no CPU binding for this platform in onnxruntime-node";
  let wrote = 0;
  for (const f of files) {
    if (fs.existsSync(f)) continue;
    fs.writeFileSync(f, MARKER, { flag: "wx" });
    wrote++;
  }
  return `${wrote} GPU provider placeholder(s) written in ${bin}`;
}

try {
  const what = main();
  if (process.env.BERTLAB_PREINSTALL_VERBOSE) console.log(`bertlab preinstall: ${what}`);
} catch (e) {
  // Never fail the user's install over this: the worst case is npm's own behaviour without bertlab's help.
  if (process.env.BERTLAB_PREINSTALL_VERBOSE) console.log(`bertlab preinstall: skipped (${e && e.message})`);
}
