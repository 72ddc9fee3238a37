// Renderers: vega-lite → SVG in Node (title text and one mark per datum), SVG → PNG with resvg (decodes,
// right size, text really drawn), standalone offline HTML (libraries inlined once), and one Chromium test
// (plotly PNG + head-view interaction) that is skipped with a printed reason when Chromium is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  plot_lr_schedules, plot_class_probabilities, plot_attention, plot_attention_grid, plot_training, plot_fill_mask,
  plot_token_classification, plot_question_answering, head_view, to_svg, to_png, to_html, svg_to_png, decode_png, count_ink,
  vega_lite_to_vega, chart_fragment, library_scripts, script_json, chromium_path, Chart,
} from "../plots";
import { with_page } from "../plots/render/browser";
import { goldens, tensors } from "./fixtures/plots/helpers";

const count = (svg: string, role: string) => (svg.match(new RegExp(`aria-roledescription="${role}"`, "g")) ?? []).length;

function seed() {
  const t = tensors("attentions.safetensors");
  return { att: [t.get("seed.out.attentions.0"), t.get("seed.out.attentions.1")], tokens: goldens.seed_tokens as string[] };
}

test("every vega-lite builder compiles without vega-lite warnings", async () => {
  const { att, tokens } = seed();
  const tc = goldens.token_classification, qa = goldens.question_answering[0], fm = goldens.fill_mask_two_masks;
  const charts: Chart[] = [
    plot_lr_schedules([{ name: "linear", values: [0, 1, 0.5, 0] }], { num_warmup_steps: 1 }),
    plot_class_probabilities([[0.1, 0.9], [0.94, 0.06]], ["not paraphrase", "is paraphrase"], { examples: ["a", "b"] }),
    plot_fill_mask(fm.output),
    plot_token_classification(tc.logits, tc.tokens, tc.id2label, { from_logits: true }),
    plot_question_answering({ tokens: qa.tokens, start_logits: qa.start, end_logits: qa.end, p_mask: qa.p_mask }),
    plot_attention(att, tokens),
    plot_attention_grid(att, tokens),
    plot_training([{ step: 1, loss: 1, learning_rate: 1e-5 }, { step: 2, loss: 0.5, learning_rate: 2e-5, eval_loss: 0.7 }]),
  ];
  for (const c of charts) {
    assert.equal(c.library, "vega-lite");
    const { warnings } = await vega_lite_to_vega((c as any).spec);
    assert.deepEqual(warnings, [], `${(c as any).spec.title}: ${JSON.stringify(warnings)}`);
  }
});

test("SVG: lr schedules draw one line per schedule and the title; bars and heatmap cells one mark per datum", async () => {
  const lr = await to_svg(plot_lr_schedules([
    { name: "linear", values: [0, 0.5, 1, 0.5, 0] }, { name: "constant", values: [1, 1, 1, 1, 1] }, { name: "cosine", params: { num_cycles: 0.5 }, values: [0, 0.5, 1, 0.7, 0.2] },
  ], { num_warmup_steps: 2, title: "Warmup then decay" }));
  assert.match(lr, /^<svg/);
  assert.match(lr, />Warmup then decay</);
  assert.equal(count(lr, "line mark"), 3);
  assert.match(lr, />cosine \(num_cycles 0\.5\)</);
  assert.match(lr, />warmup \(2 steps\)</);
  const bars = await to_svg(plot_class_probabilities([[0.1, 0.9], [0.94, 0.06]], ["not paraphrase", "is paraphrase"], { examples: ["paraphrase", "not paraphrase"] }));
  assert.equal(count(bars, "bar"), 4);
  assert.match(bars, />not paraphrase: 10%</);
  assert.match(bars, />is paraphrase: 6%</);
  const { att, tokens } = seed();
  const heat = await to_svg(plot_attention(att, tokens, { layer: 0, head: 1 }));
  assert.equal(count(heat, "rect mark"), 13 * 13);
  assert.match(heat, />Attention: layer 0, head 1</);
  assert.equal((heat.match(/>\[SEP\]</g) ?? []).length, 4); // two [SEP] labels on each axis
  const grid = await to_svg(plot_attention_grid(att, tokens, { heads: [0, 1, 2] }));
  assert.equal(count(grid, "rect mark"), 2 * 3 * 13 * 13);
  assert.match(grid, />layer 1</);
  assert.match(grid, />head 2</);
});

test("PNG: decodes at the requested scale, has ink, and the title's text is really drawn", async () => {
  const chart = plot_lr_schedules([{ name: "linear", values: [0, 1, 0.5, 0] }], { title: "Learning rate" });
  const svg = await to_svg(chart);
  const [w, h] = [Number(svg.match(/width="(\d+)"/)![1]), Number(svg.match(/height="(\d+)"/)![1])];
  const img = decode_png(await to_png(chart, { scale: 2 }));
  assert.equal(img.width, 2 * w);
  assert.equal(img.height, 2 * h);
  assert.ok(count_ink(img) > 2000, `ink ${count_ink(img)}`);
  const one = decode_png(svg_to_png(svg, { scale: 1 }));
  assert.equal(one.width, w);
  // Text-only SVG: with fonts it has dark pixels; with no fonts at all resvg silently draws nothing.
  const text = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><text x="8" y="28" font-family="sans-serif" font-size="20">not paraphrase: 10%</text></svg>`;
  assert.ok(count_ink(decode_png(svg_to_png(text, { scale: 1 }))) > 100);
  assert.equal(count_ink(decode_png(svg_to_png(text, { scale: 1, system_fonts: false, bundled_fonts: false }))), 0);
  // The title band of the chart (top 20 px at 1x) carries the title's glyphs.
  assert.ok(count_ink(one, { region: { x: 0, y: 0, width: one.width, height: 20 } }) > 50);
  assert.throws(() => decode_png(new Uint8Array([1, 2, 3])), /not a PNG/);
  assert.throws(() => svg_to_png("hello"), /expected an SVG document/);
});

test("HTML: standalone page embeds the SVG, inlines vega/vega-lite once for several charts, no CDN", async () => {
  const a = plot_lr_schedules([{ name: "linear", values: [0, 1, 0] }], { title: "first chart" });
  const b = plot_class_probabilities([0.25, 0.75], ["x", "y"], { title: "second chart" });
  const html = await to_html([a, b]);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>first chart<\/title>/);
  assert.equal((html.match(/\/\* vega\/build\/vega\.min\.js \*\//g) ?? []).length, 1);
  assert.equal((html.match(/\/\* vega-lite\/build\/vega-lite\.min\.js \*\//g) ?? []).length, 1);
  assert.equal((html.match(/<svg/g) ?? []).length >= 2, true);
  assert.match(html, />second chart</);
  assert.doesNotMatch(html, /<script[^>]+src=/);
  assert.doesNotMatch(html, /cdn\.jsdelivr|unpkg\.com|cdn\.plot\.ly/);
  const static_only = await to_html(a, { interactive: false });
  assert.doesNotMatch(static_only, /<script/);
  // plotly: one inlined plotly.min.js for two plotly charts.
  const p = plot_attention([[0.5, 0.5], [0.1, 0.9]], ["a", "b"], { library: "plotly" });
  const frag = await chart_fragment(p);
  assert.deepEqual(frag.needs, ["plotly"]);
  assert.equal((library_scripts(["plotly", "plotly"]).match(/plotly\.min\.js \*\//g) ?? []).length, 1);
  assert.equal(script_json({ s: "</script><b>" }), '{"s":"\\u003c/script>\\u003cb>"}');
});

test("plotly and html charts: a clear error when Chromium is missing; html charts have no SVG form", async () => {
  const prev = process.env.BERTLAB_CHROMIUM;
  process.env.BERTLAB_CHROMIUM = "/nonexistent/chromium";
  try {
    assert.equal(chromium_path(), null);
    await assert.rejects(to_png(plot_attention([[1]], ["a"], { library: "plotly" })), /Rendering a plotly chart to PNG needs a headless Chromium.*apt-get install -y chromium/);
  } finally {
    if (prev === undefined) delete process.env.BERTLAB_CHROMIUM; else process.env.BERTLAB_CHROMIUM = prev;
  }
  await assert.rejects(to_svg(head_view([[1]], ["a"])), /'html' chart has no SVG form/);
});

test("chromium (optional): plotly attention heatmap to PNG, plotly SVG, and the head view's layer/head/hover interaction", async (t) => {
  if (!chromium_path()) {
    console.log("# skipping the Chromium test: no Chromium at /usr/bin/chromium (or BERTLAB_CHROMIUM); apt-get install -y chromium to run it");
    t.skip("Chromium not installed");
    return;
  }
  const { att, tokens } = seed();
  const png = decode_png(await to_png(plot_attention(att, tokens, { library: "plotly", layer: 1, head: 2 }), { scale: 1 }));
  assert.equal(png.width, 200 + 24 * 13);
  assert.ok(count_ink(png) > 5000);
  const svg = await to_svg(plot_lr_schedules([{ name: "linear", values: [0, 1, 0.5] }], { library: "plotly", title: "plotly lr" }));
  assert.match(svg, /^<svg[^>]*class="main-svg"/);
  assert.match(svg, />plotly lr</);
  const view = head_view(att, tokens, { min_weight: 0, sentence_b_start: 9 });
  const page_html = `<!DOCTYPE html><html><body>${view.html}</body></html>`;
  const result = await with_page("head view test", page_html, { width: 800, height: 600 }, async (page: any) => {
    const root = ".bertlab-head-view";
    const all = Number(await page.getAttribute(root, "data-lines"));
    await page.selectOption(`${root} select.hv-layer`, "1");
    const layer1 = await page.$$eval(`${root} line`, (ls: any[]) => ls.map((l) => [l.getAttribute("data-head"), l.getAttribute("data-query"), l.getAttribute("data-key"), l.getAttribute("stroke-opacity")]));
    await page.click(`${root} .hv-head[data-head="0"]`);
    const without0 = Number(await page.getAttribute(root, "data-lines"));
    await page.hover(`${root} text[data-side="left"][data-index="4"]`);
    const focused = await page.$$eval(`${root} line`, (ls: any[]) => ls.map((l) => l.getAttribute("data-query")));
    await page.mouse.move(0, 0);
    await page.selectOption(`${root} select.hv-filter`, "ab"); // sentence A → sentence B
    const ab = await page.$$eval(`${root} line`, (ls: any[]) => ls.map((l) => [Number(l.getAttribute("data-query")), Number(l.getAttribute("data-key"))]));
    const sides = await page.$$eval(`${root} text`, (ts: any[]) => ts.map((t) => t.getAttribute("data-side")));
    return { all, layer1, without0, focused, ab, sides };
  });
  const n = tokens.length;
  assert.equal(result.all, 4 * n * n);
  const line = result.layer1.find((l: string[]) => l[0] === "2" && l[1] === "8" && l[2] === "12")!;
  assert.equal(Number(line[3]), Math.round(att[1][0][2][8][12] * 1e4) / 1e4);
  assert.equal(result.without0, 3 * n * n);
  assert.equal(result.focused.length, 3 * n);
  assert.ok(result.focused.every((q: string) => q === "4"));
  assert.equal(result.ab.length, 3 * 9 * 4); // heads 1-3, 9 tokens of A × 4 of B
  assert.ok(result.ab.every(([q, k]: number[]) => q < 9 && k >= 9));
  assert.equal(result.sides.filter((s: string) => s === "left").length, 9);
  assert.equal(result.sides.filter((s: string) => s === "right").length, 4);
});
