// The explanation pictures: token shading (HTML + vega-lite SVG/PNG in Node), method comparison, logit
// lens table, head-importance and rollout heatmaps, and bertviz's model and neuron views (their data
// checked against the model: q·k/√d softmaxed is the attention; interaction and PNG in Chromium when
// installed, the static vega-lite fallback otherwise).
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, BertForSequenceClassification, BertTokenizer, to_svg, to_png, decode_png, count_ink, chromium_path,
  token_attribution_html, plot_token_attributions, plot_attribution_comparison, attribution_color, plot_logit_lens, plot_head_importance, plot_rollout,
  model_view, model_view_static, neuron_view, neuron_view_rows, neuron_view_static, attention_details, to_png_or_static } from "../src";
import { with_page } from "../plots/render/browser";
import { chart_bundle } from "../plots/render/bundle";
import { head_view } from "../plots/head_view";

const ig = { method: "integrated_gradients", tokens: ["[CLS]", "not", "good", "[SEP]"], scores: [0, -0.8, 0.3, 0.05] };

test("token attributions: green for positive, red for negative (captum's colours) in HTML; vega-lite chart renders to SVG and PNG without a browser", async () => {
  assert.equal(attribution_color(1, 1), "hsl(120, 75%, 50%)");
  assert.equal(attribution_color(-0.4, 0.8), "hsl(0, 75%, 75%)");
  assert.equal(attribution_color(0, 1), "hsl(120, 75%, 100%)");
  const html = token_attribution_html(ig).html;
  assert.match(html, /data-score="-0.8"[^>]*background:hsl\(0, 75%, 50%\)[^>]*>not</);
  assert.match(html, />good</);
  assert.doesNotMatch(token_attribution_html(ig, { skip_special: true }).html, /\[CLS\]/);
  const chart = plot_token_attributions(ig);
  const svg = await to_svg(chart);
  for (const t of ["not", "good", "−0.80", "0.30"]) assert.ok(svg.includes(`>${t}<`), `SVG shows ${t}`);
  const png = decode_png(await to_png(chart, { scale: 1 }));
  assert.ok(count_ink(png) > 500);
  assert.throws(() => plot_token_attributions({ tokens: ["a"], scores: [1, 2] }), /1 tokens but 2 scores/);
});

test("method comparison: one row per method, scores normalised per method; inputs must share tokens", async () => {
  const sal = { method: "saliency", tokens: ig.tokens, scores: [0.1, 2, 1, 0.5] };
  const chart = plot_attribution_comparison([ig, sal]);
  const values = (chart as { spec: { data: { values: { method: string; shown: number }[] } } }).spec.data.values;
  assert.equal(values.length, 8);
  assert.equal(Math.max(...values.filter((v) => v.method === "saliency").map((v) => v.shown)), 1);
  assert.equal(Math.min(...values.filter((v) => v.method === "integrated_gradients").map((v) => v.shown)), -1);
  assert.match(await to_svg(chart), />saliency</);
  assert.throws(() => plot_attribution_comparison([ig, { tokens: ["x"], scores: [1] }]), /other tokens/);
});

test("logit lens table, head-importance heatmap and rollout heatmap render", async () => {
  const lens = { position: 2, tokens: ["[CLS]", "the", "[MASK]", "[SEP]"], layers: [0, 1, 2].map((l) => ({ layer: l, top: [{ token: `t${l}a`, prob: 0.6 }, { token: `t${l}b`, prob: 0.2 }] })) };
  const svg = await to_svg(plot_logit_lens(lens));
  for (const t of ["embeddings", "layer 2", "t2a", "t0b"]) assert.ok(svg.includes(`>${t}<`), t);
  const hi = await to_svg(plot_head_importance({ importance: [[0, 1], [0.5, 0.25]] }));
  assert.ok(hi.includes(">0.25<") && hi.includes(">head<"));
  const ro = await to_svg(plot_rollout({ rollout: [[0.9, 0.1], [0.3, 0.7]] }, ["a", "b"]));
  assert.match(ro, /Attention rollout/);
});

async function details() {
  await ready();
  const model = await BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-sentiment", { local_files_only: true, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased-sentiment", { local_files_only: true });
  const inputs = tok("the acting was superb", { return_tensors: "tf" });
  const before = tf.memory().numTensors;
  const d = attention_details(model, inputs, { tokenizer: tok });
  assert.ok(tf.memory().numTensors <= before + 40); // only ops' cached Wᵀ may stay
  tf.dispose(Object.values(inputs));
  model.dispose();
  return d;
}

test("neuron view data: softmax(q·k/√d) over the keys is the model's attention, for every layer and head", async () => {
  const d = await details();
  assert.deepEqual(d.tokens, ["[CLS]", "the", "acting", "was", "superb", "[SEP]"]);
  d.layers.forEach((layer, l) => layer.queries.forEach((_, h) => d.tokens.forEach((_, q) => {
    const rows = neuron_view_rows(d, { layer: l, head: h, query: q });
    const m = Math.max(...rows.map((r) => r.score));
    const e = rows.map((r) => Math.exp(r.score - m));
    const s = e.reduce((a, b) => a + b, 0);
    rows.forEach((r, j) => assert.ok(Math.abs(e[j] / s - r.weight) < 1e-4, `layer ${l} head ${h} query ${q} key ${j}`));
  })));
  const svg = await to_svg(neuron_view_static(d, { layer: 1, head: 1, query: 2 }));
  assert.match(svg, /query: acting/);
  assert.throws(() => neuron_view(d, { layer: 9 }), /layer 9 is out of range 0..1/);
});

test("model view / neuron view (Chromium when installed): thumbnails for every layer × head, click enlarges; hover picks the query; PNG, or the static fallback", async (t) => {
  const d = await details();
  const attentions = d.layers.map((l) => l.attention);
  const mv = model_view(attentions, d.tokens);
  const nv = neuron_view(d, { layer: 0, head: 1, query: 1 });
  const fallback = await to_png_or_static(mv, model_view_static(attentions, d.tokens), { scale: 1 });
  assert.ok(count_ink(decode_png(fallback.png)) > 1000);
  if (!chromium_path()) {
    assert.equal(fallback.rendered, "static");
    console.log("# skipping the Chromium part: no Chromium at /usr/bin/chromium (or BERTLAB_CHROMIUM); apt-get install -y chromium to run it");
    t.skip("Chromium not installed");
    return;
  }
  assert.equal(fallback.rendered, "browser");
  const page = `<!DOCTYPE html><html><body>${mv.html}${nv.html}</body></html>`;
  const r = await with_page("model view test", page, { width: 1000, height: 900 }, async (p: any) => {
    const thumbs = await p.$$eval(".mv-thumb", (ts: any[]) => ts.length);
    await p.click('.mv-thumb[data-layer="1"][data-head="0"]');
    const open = await p.getAttribute(".bertlab-model-view", "data-open");
    const bigLines = await p.$$eval(".mv-big-svg line", (ls: any[]) => ls.length);
    await p.click(".mv-big");
    const closed = await p.getAttribute(".bertlab-model-view", "data-open");
    const q0 = await p.getAttribute(".bertlab-neuron-view", "data-query");
    await p.hover('.bertlab-neuron-view text[data-index="4"]');
    const q1 = await p.getAttribute(".bertlab-neuron-view", "data-query");
    const scores = await p.$$eval(".bertlab-neuron-view .nv-score", (ts: any[]) => ts.map((x) => x.textContent));
    return { thumbs, open, bigLines, closed, q0, q1, scores };
  });
  assert.equal(r.thumbs, attentions.length * attentions[0].length); // every layer × head
  assert.equal(r.open, "1,0");
  assert.ok(r.bigLines > 0);
  assert.equal(r.closed, null);
  assert.equal(r.q0, "1");
  assert.equal(r.q1, "4");
  const rows = neuron_view_rows(d, { layer: 0, head: 1, query: 4 });
  // the view shows 3 decimals of the (already rounded) embedded weights: within one unit of the last digit
  const shown = r.scores.map((s: string) => Number(s.split(/\s+/)[1]));
  assert.equal(shown.length, rows.length);
  shown.forEach((v: number, i: number) => assert.ok(Math.abs(v - rows[i].weight) <= 0.0010001, `score ${i}: shown ${v}, weight ${rows[i].weight}`));
  const png = decode_png(await to_png(nv, { scale: 1 }));
  assert.ok(count_ink(png) > 2000);
});

test("without Chromium, html charts (head / model / neuron view, token shading) display their static vega-lite twin as SVG + PNG", async () => {
  const d = await details();
  const attentions = d.layers.map((l) => l.attention);
  const saved = process.env.BERTLAB_CHROMIUM;
  process.env.BERTLAB_CHROMIUM = "/nonexistent/chromium-for-this-test";
  try {
    const charts = [head_view(attentions, d.tokens, { layer: 1 }), model_view(attentions, d.tokens), neuron_view(d, { layer: 0, head: 1, query: 1 }), token_attribution_html(ig)];
    for (const c of charts) {
      assert.equal(Object.keys(c).includes("static"), false, "the twin stays out of JSON");
      const b = await chart_bundle(c, { scale: 1 });
      assert.ok(String(b["text/html"]).length > 100, `${c.title}: the interactive HTML stays`);
      assert.match(String(b["image/svg+xml"]), /<svg/, `${c.title}: SVG from the twin`);
      assert.ok(count_ink(decode_png(Buffer.from(String(b["image/png"]), "base64"))) > 1000, `${c.title}: PNG has ink`);
    }
    assert.match(String((await chart_bundle(charts[0], { scale: 1 }))["image/svg+xml"]), /layer 1/);
    const fb = await to_png_or_static(charts[2], undefined, { scale: 1 });
    assert.equal(fb.rendered, "static");
    // A twin too big to draw leaves the bundle HTML-only instead of failing the display.
    const big = model_view(attentions, d.tokens);
    Object.defineProperty(big, "static", { get() { throw new Error("too many cells"); } });
    const warn = console.warn;
    const warned: string[] = [];
    console.warn = (m: string) => warned.push(m);
    try {
      const b = await chart_bundle(big, { scale: 1 });
      assert.equal(b["image/png"], undefined);
      assert.match(warned.join(""), /no PNG for 'Model view' without Chromium: too many cells/);
    } finally {
      console.warn = warn;
    }
  } finally {
    if (saved === undefined) delete process.env.BERTLAB_CHROMIUM;
    else process.env.BERTLAB_CHROMIUM = saved;
  }
});
