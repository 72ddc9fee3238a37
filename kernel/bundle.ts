// Chart → MIME bundle lives with the renderers (plots/render/bundle.ts), so charts can display themselves;
// re-exported here, where the kernel's display API always had it.
export { chart_bundle, chart_summary, VEGA_LITE_MIME, PLOTLY_MIME } from "../plots/render/bundle";
export type { MimeBundle, BundleOptions } from "../plots/render/bundle";
