// Post-processing of the SVG text vega writes: ids made unique per chart (vega numbers its gradients and
// clip paths from 0 in every process, so two charts on one page both define `id="gradient_0"` and the second
// legend paints with the first one's — or, across documents, no — gradient), and a font-family fallback
// list so CJK and emoji find a font wherever the SVG is drawn.

let counter = 0;

/** A short prefix no other chart rendered by this process (or, with the random part, another) uses. */
export function unique_prefix(): string {
  counter += 1;
  return `bl${counter.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Prefixes every id an SVG defines, and every `url(#id)` / `href="#id"` reference to it, with `prefix-`. */
export function uniquify_svg_ids(svg: string, prefix: string = unique_prefix()): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]);
  if (ids.size === 0) return svg;
  const rename = (id: string) => (ids.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_m, a: string, id: string, b: string) => a + rename(id) + b)
    .replace(/url\((['"]?)#([^)'"]+)\1\)/g, (_m, q: string, id: string) => `url(${q}#${rename(id)}${q})`)
    .replace(/((?:xlink:)?href=")#([^"]+)"/g, (_m, a: string, id: string) => `${a}#${rename(id)}"`);
}

/**
 * Fonts tried after the chart's own family: DejaVu (Debian's default sans), Noto Sans CJK (fonts-noto-cjk),
 * Noto Color Emoji (fonts-noto-color-emoji, browsers) and Noto Emoji (outline emoji; bertlab ships it for PNGs).
 */
export const FONT_FALLBACKS = ["DejaVu Sans", "Noto Sans CJK SC", "Noto Color Emoji", "Noto Emoji"];

/** Appends FONT_FALLBACKS to every `font-family` attribute that does not list them yet. */
export function with_font_fallbacks(svg: string, fallbacks: string[] = FONT_FALLBACKS): string {
  return svg.replace(/font-family="([^"]*)"/g, (m, fam: string) => {
    const have = fam.split(",").map((f) => f.trim().replace(/^['"]|['"]$/g, ""));
    const add = fallbacks.filter((f) => !have.includes(f));
    if (add.length === 0) return m;
    // The generic family goes last: resvg (and browsers) stop at the first family that exists.
    const generic = have.filter((f) => /^(sans-serif|serif|monospace|cursive|fantasy|system-ui)$/.test(f));
    const named = have.filter((f) => !generic.includes(f));
    return `font-family="${[...named, ...add, ...generic].map((f) => (/[\s]/.test(f) ? `'${f}'` : f)).join(", ")}"`;
  });
}
