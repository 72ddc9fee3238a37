// SVG → PNG with resvg (a Rust rasteriser, prebuilt in the npm package), plus a small PNG decoder so
// callers and tests can look at the pixels without a browser.
import * as zlib from "zlib";
import { FONT_FALLBACKS, with_font_fallbacks } from "./svg_text";

/** Options of the PNG renderer (resvg): pixel density, background and fonts. */
export interface PngOptions {
  /** Pixel density: 2 gives a sharp image on HiDPI screens (default 2). */
  scale?: number;
  /** CSS colour behind transparent areas (default white). */
  background?: string;
  /** Font files to load in addition to (or, with `system_fonts: false`, instead of) the system fonts. */
  font_files?: string[];
  /** Load the system's fonts (default true). Without any font, text is silently not drawn. */
  system_fonts?: boolean;
  /** Load the outline emoji font bertlab ships (npm @expo-google-fonts/noto-emoji; default true). */
  bundled_fonts?: boolean;
}

function resvg(): typeof import("@resvg/resvg-js") {
  return require("@resvg/resvg-js");
}

/** The outline emoji font bertlab ships (npm @expo-google-fonts/noto-emoji, OFL), or null if not installed. */
export function bundled_emoji_font(): string | null {
  try {
    return require.resolve("@expo-google-fonts/noto-emoji/400Regular/NotoEmoji_400Regular.ttf");
  } catch {
    return null;
  }
}

function font_options(opts: PngOptions): Record<string, unknown> {
  const env = (process.env.BERTLAB_FONT_FILES ?? "").split(":").filter(Boolean);
  const emoji = opts.bundled_fonts === false ? null : bundled_emoji_font();
  // vega writes font-family="sans-serif"; resvg maps that to Arial, absent on most Linux boxes, and then
  // falls back to the first font it finds (often a serif). Prefer DejaVu (Debian's default) when present.
  return {
    loadSystemFonts: opts.system_fonts ?? true, fontFiles: [...(opts.font_files ?? []), ...env, ...(emoji ? [emoji] : [])],
    defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans", monospaceFamily: "DejaVu Sans Mono", serifFamily: "DejaVu Serif",
  };
}

/**
 * Font lists as resvg should see them: the CJK / emoji fallbacks appended, minus "Noto Color Emoji" — a
 * bitmap (CBDT) font that resvg 2.6 finds but cannot draw (blank emoji); the outline Noto Emoji draws them.
 */
function resvg_fonts(svg: string): string {
  return with_font_fallbacks(svg, FONT_FALLBACKS.filter((f) => f !== "Noto Color Emoji"))
    .replace(/font-family="([^"]*)"/g, (_m, fam: string) => `font-family="${fam.split(",").map((f) => f.trim()).filter((f) => !/^['"]?Noto Color Emoji['"]?$/.test(f)).join(", ")}"`);
}

function render(svg: string, font: Record<string, unknown>, background: string, scale: number): Uint8Array {
  const { Resvg } = resvg();
  return new Uint8Array(new Resvg(svg, { font, background, fitTo: { mode: "zoom", value: scale } }).render().asPng());
}

/** Characters that must leave ink (letters, digits, punctuation, symbols), outside ASCII, in text content. */
function drawn_characters(svg: string): string[] {
  const chars = new Set<string>();
  for (const m of svg.matchAll(/>([^<]+)</g)) {
    for (const ch of m[1].replace(/&[#\w]+;/g, "")) if (ch.codePointAt(0)! > 0x7e && /[\p{L}\p{N}\p{P}\p{S}]/u.test(ch)) chars.add(ch);
  }
  return [...chars];
}

const glyph_cache = new Map<string, boolean>();
const warned = new Set<string>();
/** A code point no font has: its rendering is what "no glyph" looks like (a box, or nothing). */
const MISSING = "\u{10FFFD}";
const CELL = 36;

/**
 * Which of `chars` the fonts can draw: each is rendered alone and compared with a known-missing glyph
 * (resvg draws the first font's .notdef box, or nothing for a bitmap-only font). One small render per new set.
 */
export function drawable(chars: string[], opts: PngOptions = {}): Map<string, boolean> {
  const font = font_options(opts);
  const key = (ch: string) => `${JSON.stringify([font.fontFiles, font.loadSystemFonts])}|${ch}`;
  const todo = chars.filter((ch) => !glyph_cache.has(key(ch)));
  if (todo.length) {
    const all = [MISSING, ...todo];
    const fam = FONT_FALLBACKS.filter((f) => f !== "Noto Color Emoji").map((f) => `'${f}'`).join(", ") + ", sans-serif";
    const texts = all.map((ch, i) => `<text x="${i * CELL + 4}" y="26" font-size="24" font-family="${fam}">${ch.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text>`).join("");
    const img = decode_png(render(`<svg xmlns="http://www.w3.org/2000/svg" width="${all.length * CELL}" height="${CELL}">${texts}</svg>`, font, "white", 1));
    const cell = (i: number) => {
      const px: number[] = [];
      for (let y = 0; y < CELL; y++) for (let x = i * CELL; x < (i + 1) * CELL; x++) px.push(img.rgba[(y * img.width + x) * 4]);
      return px;
    };
    const missing = cell(0);
    todo.forEach((ch, j) => {
      const px = cell(j + 1);
      const ink = px.filter((v) => v < 215).length;
      const same_as_missing = px.every((v, k) => Math.abs(v - missing[k]) < 8);
      glyph_cache.set(key(ch), ink > 0 && !same_as_missing);
    });
  }
  return new Map(chars.map((ch) => [ch, glyph_cache.get(key(ch))!]));
}

/** `[U+1F917]`: what a character no font can draw is shown as (readable, never a blank or a box). */
export function placeholder(ch: string): string {
  return `[U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`;
}

/** Replaces characters no font can draw with a placeholder, warning once per character. */
function replace_undrawable(svg: string, opts: PngOptions): string {
  const chars = drawn_characters(svg);
  if (chars.length === 0) return svg;
  const ok = drawable(chars, opts);
  const bad = chars.filter((ch) => !ok.get(ch));
  if (bad.length === 0) return svg;
  const fresh = bad.filter((ch) => !warned.has(ch));
  if (fresh.length) {
    fresh.forEach((ch) => warned.add(ch));
    console.warn(`bertlab: no font can draw ${fresh.map((ch) => `${ch} (${placeholder(ch).slice(1, -1)})`).join(", ")} in PNG output; `
      + `drawn as ${fresh.map(placeholder).join(", ")}. Install fonts (Debian: apt-get install fonts-noto-cjk fonts-noto-color-emoji) `
      + "or list font files in BERTLAB_FONT_FILES=/path/a.ttf:/path/b.otf.");
  }
  const set = new Set(bad);
  return svg.replace(/>([^<]+)</g, (_m, t: string) => `>${[...t].map((ch) => (set.has(ch) ? placeholder(ch) : ch)).join("")}<`);
}

/**
 * Rasterises an SVG string to PNG bytes. Text uses the system fonts plus bertlab's outline emoji font, with
 * CJK / emoji fallbacks; a character no font has is drawn as `[U+XXXX]` (with a warning), never as a box.
 */
export function svg_to_png(svg: string, opts: PngOptions = {}): Uint8Array {
  if (typeof svg !== "string" || !svg.includes("<svg")) throw new Error("svg_to_png: expected an SVG document string (containing '<svg')");
  const scale = opts.scale ?? 2;
  if (!(scale > 0)) throw new Error(`svg_to_png: scale must be > 0, got ${scale}`);
  return render(replace_undrawable(resvg_fonts(svg), opts), font_options(opts), opts.background ?? "white", scale);
}

/** A PNG decoded by decode_png: its size and RGBA pixels (8 bits a channel, row by row). */
export interface DecodedImage { width: number; height: number; /** RGBA, 8 bits a channel */ rgba: Uint8Array }

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Decodes an 8-bit, non-interlaced PNG (grey, RGB, grey+alpha or RGBA: what resvg and Chromium write) to RGBA. */
export function decode_png(png: Uint8Array): DecodedImage {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new Error("decode_png: not a PNG (bad signature)");
  let width = 0, height = 0, bit_depth = 0, color_type = 0, interlace = 0;
  const idat: Buffer[] = [];
  for (let pos = 8; pos + 8 <= buf.length;) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      bit_depth = body[8]; color_type = body[9]; interlace = body[12];
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[color_type];
  if (bit_depth !== 8 || !channels || interlace !== 0) {
    throw new Error(`decode_png: only 8-bit non-interlaced grey/RGB/RGBA PNGs are supported (bit depth ${bit_depth}, colour type ${color_type}, interlace ${interlace})`);
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`decode_png: bad filter type ${filter} on row ${y}`);
      cur[i] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4, s = x * channels;
      if (channels <= 2) { out[o] = out[o + 1] = out[o + 2] = cur[s]; out[o + 3] = channels === 2 ? cur[s + 1] : 255; }
      else { out[o] = cur[s]; out[o + 1] = cur[s + 1]; out[o + 2] = cur[s + 2]; out[o + 3] = channels === 4 ? cur[s + 3] : 255; }
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

/** Counts pixels that differ from the background (default white) by more than `threshold` in any channel. */
export function count_ink(img: DecodedImage, opts: { background?: [number, number, number]; threshold?: number; region?: { x: number; y: number; width: number; height: number } } = {}): number {
  const [br, bg, bb] = opts.background ?? [255, 255, 255];
  const t = opts.threshold ?? 40;
  const r = opts.region ?? { x: 0, y: 0, width: img.width, height: img.height };
  let n = 0;
  for (let y = Math.max(0, r.y); y < Math.min(img.height, r.y + r.height); y++) {
    for (let x = Math.max(0, r.x); x < Math.min(img.width, r.x + r.width); x++) {
      const o = (y * img.width + x) * 4;
      if (img.rgba[o + 3] > 0 && (Math.abs(img.rgba[o] - br) > t || Math.abs(img.rgba[o + 1] - bg) > t || Math.abs(img.rgba[o + 2] - bb) > t)) n++;
    }
  }
  return n;
}
