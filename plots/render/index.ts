// Renderers: chart → SVG / PNG / HTML. vega-lite renders in Node; plotly and html charts need Chromium.
export { to_svg, to_png } from "./image";
export { chart_bundle, chart_summary, VEGA_LITE_MIME, PLOTLY_MIME } from "./bundle";
export type { MimeBundle, BundleOptions } from "./bundle";

export { vega_lite_to_svg, vega_lite_to_vega, static_spec, STATIC_WIDTH } from "./vega";
export type { VegaLiteCompileWarning } from "./vega";
export { svg_to_png, decode_png, count_ink } from "./png";
export type { PngOptions, DecodedImage } from "./png";
export { chromium_path, ChromiumMissingError, CHROMIUM_FLAGS } from "./browser";
export { to_html, chart_fragment, library_scripts, script_json, escape_html } from "./html";
export type { HtmlOptions, FragmentOptions, Fragment, ScriptLibrary } from "./html";

export { uniquify_svg_ids, with_font_fallbacks, FONT_FALLBACKS } from "./svg_text";
export { bundled_emoji_font, drawable, placeholder } from "./png";
export { to_png_or_static } from "./fallback";
