// bertlab's notebook display API (re-exported from the package root, so nothing here loads tslab eagerly:
// plain Node scripts import this too). Tooling (kernelspec, runner, HTML export) is reached via the CLI.
import { install_inspect } from "../src/utils/format";
import { install_tensor_display } from "../src/utils/display";

export { format_tensor, format_values, print, inspect, install_inspect, set_printoptions, print_options } from "../src/utils/format";
export type { PrintOptions } from "../src/utils/format";
export { show, live, LiveChart, display, display_bundle, mime_bundle, in_kernel, BERTLAB_KERNEL } from "./display";
export type { ShowOptions, LiveOptions, LogEntry, BertlabKernel, DisplayOptions } from "./display";
export { clear_output, update_display, DisplayHandle } from "./display"; // IPython.display's
export { input } from "./input";
export { JUPYTER_DISPLAY, is_displayable, tensor_bundle, output_bundle } from "../src/utils/display";
export type { Displayable } from "../src/utils/display";
export { chart_bundle, chart_summary, VEGA_LITE_MIME, PLOTLY_MIME } from "./bundle";
export type { MimeBundle, BundleOptions } from "./bundle";

// Tensors print torch-style in console.log and as a cell's last expression, and display richly
// (`[Symbol.for("Jupyter.display")]`, non-enumerable on tf.Tensor.prototype) in bertlab's and Deno's kernels.
install_inspect();
install_tensor_display();
