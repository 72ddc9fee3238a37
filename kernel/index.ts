// bertlab's notebook display API (re-exported from the package root, so nothing here loads tslab eagerly:
// plain Node scripts import this too). Tooling (kernelspec, runner, HTML export) is reached via the CLI.
export { format_tensor, format_values, print, inspect, install_inspect, set_printoptions, print_options } from "./format";
export type { PrintOptions } from "./format";
