// 🤗 and Chinese in chart PNGs (issue #11): real glyphs where fonts exist (the outline emoji font bertlab ships;
// Debian's fonts-noto-cjk, installed by .ci/run), and a readable [U+XXXX] — never a box or a blank — where none does.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { count_ink, decode_png, drawable, placeholder, svg_to_png, vega_lite_to_svg, bundled_emoji_font } from "../plots/render";
import { plot_class_probabilities } from "../plots";

const CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
const DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/** One text line at 1×, as grey values (red channel) of the 48×48 cell of each character. */
function glyph_cells(text: string, opts: Parameters<typeof svg_to_png>[1] = {}): number[][] {
  const chars = [...text];
  const body = chars.map((ch, i) => `<text x="${i * 48 + 6}" y="36" font-family="sans-serif" font-size="32">${ch}</text>`).join("");
  const img = decode_png(svg_to_png(`<svg xmlns="http://www.w3.org/2000/svg" width="${chars.length * 48}" height="48">${body}</svg>`, { scale: 1, ...opts }));
  return chars.map((_, i) => {
    const px: number[] = [];
    for (let y = 0; y < 48; y++) for (let x = i * 48; x < (i + 1) * 48; x++) px.push(img.rgba[(y * img.width + x) * 4]);
    return px;
  });
}

const differs = (a: number[], b: number[]) => a.filter((v, k) => Math.abs(v - b[k]) > 40).length;
const ink = (a: number[]) => a.filter((v) => v < 200).length;

test("🤗 draws with the shipped outline emoji font: ink, and not the missing-glyph box", (t) => {
  assert.ok(bundled_emoji_font() && fs.existsSync(bundled_emoji_font()!), "npm @expo-google-fonts/noto-emoji is installed");
  const warn = t.mock.method(console, "warn", () => undefined);
  const [hug, missing] = glyph_cells("🤗\u{10FFFD}");
  assert.ok(ink(missing) > 20, "the reference missing glyph is a visible box (so the comparison means something)");
  assert.ok(ink(hug) > 150, `emoji ink ${ink(hug)}`);
  assert.ok(differs(hug, missing) > 150, "the emoji is not the .notdef box");
  assert.equal(drawable(["🤗"]).get("🤗"), true);
  assert.equal(warn.mock.callCount(), 0);
});

test("中文 draws with Noto Sans CJK (Debian fonts-noto-cjk)", { skip: fs.existsSync(CJK_FONT) ? false : `${CJK_FONT} is missing: apt-get install fonts-noto-cjk (.ci/run installs it)` }, () => {
  const [zhong, wen, missing] = glyph_cells("中文\u{10FFFD}");
  for (const g of [zhong, wen]) {
    assert.ok(ink(g) > 100, `CJK ink ${ink(g)}`);
    assert.ok(differs(g, missing) > 100);
  }
  assert.notDeepEqual(zhong, wen);
  assert.deepEqual([...drawable(["中", "文"]).values()], [true, true]);
});

test("a character no font has is drawn as [U+XXXX] with one warning naming the fonts to install", { skip: fs.existsSync(DEJAVU) ? false : `${DEJAVU} is missing (Debian fonts-dejavu-core)` }, (t) => {
  const warn = t.mock.method(console, "warn", () => undefined);
  const only_dejavu = { system_fonts: false, bundled_fonts: false, font_files: [DEJAVU] };
  assert.equal(drawable(["中"], only_dejavu).get("中"), false);
  assert.equal(drawable(["é"], only_dejavu).get("é"), true);
  const svg = (s: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="4" y="30" font-family="sans-serif" font-size="24">${s}</text></svg>`;
  const with_missing = decode_png(svg_to_png(svg("a 中 b"), { scale: 1, ...only_dejavu }));
  const spelled = decode_png(svg_to_png(svg(`a ${placeholder("中")} b`), { scale: 1, ...only_dejavu }));
  assert.equal(placeholder("中"), "[U+4E2D]");
  assert.deepEqual(with_missing.rgba, spelled.rgba, "the PNG shows [U+4E2D] where 中 was");
  svg_to_png(svg("中 again"), { scale: 1, ...only_dejavu });
  assert.equal(warn.mock.callCount(), 1, "warned once per character");
  assert.match(String(warn.mock.calls[0].arguments[0]), /no font can draw 中 \(U\+4E2D\).*\[U\+4E2D\].*fonts-noto-cjk fonts-noto-color-emoji.*BERTLAB_FONT_FILES/);
});

test("chart SVGs carry CJK / emoji font fallbacks; a 🤗 中文 label renders in the PNG", async () => {
  const chart = plot_class_probabilities([0.3, 0.7], ["🤗 hug", "中文 label"]);
  const svg = await vega_lite_to_svg(chart);
  const families = [...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(families.length > 3);
  for (const f of families) assert.match(f, /'Noto Sans CJK SC', 'Noto Color Emoji', 'Noto Emoji', sans-serif$/);
  assert.ok(count_ink(decode_png(svg_to_png(svg, { scale: 1 }))) > 1000);
});
