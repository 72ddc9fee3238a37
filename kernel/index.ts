// bertlab's notebook display API (re-exported from the package root, so nothing here loads tslab eagerly:
// plain Node scripts import this too). Tooling (kernelspec, runner, HTML export) is reached via the CLI.
import { install_inspect } from "../src/utils/format";

export { format_tensor, format_values, print, inspect, install_inspect, set_printoptions, print_options } from "../src/utils/format";
export type { PrintOptions } from "../src/utils/format";
export { show, live, LiveChart, display_bundle, in_kernel } from "./display";
export type { ShowOptions, LiveOptions, LogEntry } from "./display";
export { chart_bundle, chart_summary, VEGA_LITE_MIME, PLOTLY_MIME } from "./bundle";
export type { MimeBundle, BundleOptions } from "./bundle";

// Tensors print torch-style in console.log and as a cell's last expression.
install_inspect();
