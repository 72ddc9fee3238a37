// BERT's BasicTokenizer, exactly as Hugging Face's slow `BasicTokenizer`: clean the text (drop \0,
// \ufffd and control chars, whitespace -> space), put CJK ideographs in words of their own, split on
// whitespace (after NFC, as transformers >= 4.29), lower-case and/or strip accents (NFD + drop Mn) per
// `do_lower_case` / `strip_accents`, split punctuation off, and keep `never_split` chunks whole.
//
// `scan` is the fast path every tokenizer call goes through: one pass over the original string with a
// per-code-point class table, reporting each word with where its characters came from, so offsets
// into the original text (JavaScript string indices) come for free.
import { describe } from "./options";
import { ASCII_CLASS, CJK, PUNCT, REMOVED, SPACE, WORD, charClass as charClassExport, isMark as isMarkExport, makeCharTransform } from "./unicode";

// Local bindings: module loaders that expose exports through getters (tsx/esbuild) then cost nothing per char.
const charClass = charClassExport;
const isMark = isMarkExport;

/** Options of BasicTokenizer (Python: `transformers.models.bert.tokenization_bert.BasicTokenizer`). */
export interface BasicTokenizerOptions {
  /** Lower-case the text. @default true */
  do_lower_case?: boolean;
  /** Whitespace-delimited chunks that are kept as they are (no lower-casing, no punctuation split). */
  never_split?: Iterable<string> | null;
  /** Put spaces around CJK characters, so each is a word. @default true */
  tokenize_chinese_chars?: boolean;
  /** null/undefined: follow do_lower_case (as original BERT); true/false force it. @default null */
  strip_accents?: boolean | null;
  /** Split punctuation into tokens of their own. @default true */
  do_split_on_punc?: boolean;
}

/**
 * Receives one word. Its characters came from `text[start, end)`. When `alS` is null the word is that
 * slice itself (lower-cased when do_lower_case), unit for unit; otherwise word unit k came from
 * `text[alS[k], alE[k])`. The arrays are reused after the call returns.
 */
export type WordSink = (word: string, start: number, end: number, alS: number[] | null, alE: number[] | null, neverSplit: boolean) => void;

const ASCII_CHARS: string[] = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

/**
 * BERT's pre-tokenizer (Python: `transformers.BasicTokenizer`): cleaning, lower-casing and accent stripping, punctuation and CJK splitting.
 * @example
 * ```ts
 * new BasicTokenizer().tokenize("Hello, World!") // ["hello", ",", "world", "!"]
 * ```
 */
export class BasicTokenizer {
  readonly do_lower_case: boolean;
  readonly never_split: Set<string>;
  readonly tokenize_chinese_chars: boolean;
  readonly strip_accents: boolean | null;
  readonly do_split_on_punc: boolean;
  private readonly transform: ((cp: number) => string | null) | null;
  /** Compose combining marks (NFC). Moot when accents are stripped (NFD then drop Mn). */
  private readonly nfc: boolean;
  private readonly alS: number[] = [];
  private readonly alE: number[] = [];
  private firstsCache = new WeakMap<Set<string>, Set<number>>();

  constructor(options: BasicTokenizerOptions = {}) {
    this.do_lower_case = options.do_lower_case ?? true;
    this.never_split = new Set(options.never_split ?? []);
    this.tokenize_chinese_chars = options.tokenize_chinese_chars ?? true;
    this.strip_accents = options.strip_accents ?? null;
    this.do_split_on_punc = options.do_split_on_punc ?? true;
    const strip = this.do_lower_case ? this.strip_accents !== false : this.strip_accents === true;
    this.nfc = !strip;
    this.transform = makeIdentityAwareTransform(this.do_lower_case, strip, this.nfc);
  }

  /** Python's `BasicTokenizer.tokenize(text, never_split)`: the list of basic tokens. */
  tokenize(text: string, never_split?: Iterable<string> | null): string[] {
    if (typeof text !== "string") throw new TypeError(`BasicTokenizer.tokenize: text must be a string, got ${describe(text)}`);
    const never = never_split ? new Set([...this.never_split, ...never_split]) : this.never_split;
    const out: string[] = [];
    this.scan(text, 0, text.length, never, (w) => out.push(w));
    return out;
  }

  /** First UTF-16 units (raw and lower-cased) that can start a never_split chunk. */
  private firsts(never: Set<string>): Set<number> {
    let f = this.firstsCache.get(never);
    if (!f) {
      f = new Set<number>();
      for (const s of never) {
        if (!s) continue;
        f.add(s.charCodeAt(0));
        f.add(s.toUpperCase().charCodeAt(0));
      }
      this.firstsCache.set(never, f);
    }
    return f;
  }

  /**
   * If the whitespace chunk starting at `i` (after cleaning) is in `never` (as is, or after
   * lower-casing / accent stripping), report it as one word and return where the chunk ends; else -1.
   */
  private matchNever(text: string, i: number, to: number, never: Set<string>, sink: WordSink): number {
    const alS = this.alS, alE = this.alE;
    alS.length = 0;
    alE.length = 0;
    let raw = "";
    let j = i;
    while (j < to) {
      const cp = text.codePointAt(j)!;
      const w = cp > 0xffff ? 2 : 1;
      const cls = charClass(cp);
      if (cls === SPACE || (cls === CJK && this.tokenize_chinese_chars)) break;
      if (cls !== REMOVED) {
        raw += String.fromCodePoint(cp);
        for (let k = 0; k < w; k++) {
          alS.push(j);
          alE.push(j + w);
        }
      }
      j += w;
    }
    if (raw && never.has(raw)) {
      sink(raw, i, j, alS, alE, true);
      return j;
    }
    if (!this.transform) return -1;
    // Python also checks the lower-cased / stripped chunk against never_split before splitting punctuation.
    let t = "";
    const tS: number[] = [], tE: number[] = [];
    for (let k = 0; k < raw.length; ) {
      const cp = raw.codePointAt(k)!;
      const w = cp > 0xffff ? 2 : 1;
      const s = this.transform(cp) ?? String.fromCodePoint(cp);
      t += s;
      for (let m = 0; m < s.length; m++) {
        tS.push(alS[k]);
        tE.push(alE[k]);
      }
      k += w;
    }
    if (t && never.has(t)) {
      sink(t, i, j, tS, tE, true);
      return j;
    }
    return -1;
  }

  /** Runs the basic tokenizer over `text[from, to)`, reporting every word to `sink`. */
  scan(text: string, from: number, to: number, never: Set<string> | null, sink: WordSink): void {
    const lower = this.do_lower_case;
    const cjk = this.tokenize_chinese_chars;
    const transform = this.transform;
    const nfc = this.nfc;
    const P = this.do_split_on_punc ? PUNCT : -1; // the class that splits off as a word of its own
    const firsts = never && never.size ? this.firsts(never) : null;
    const alS = this.alS, alE = this.alE;
    let ws = -1; // start of the current word in text, -1 when none
    let complex = false; // the current word is built in buf/alS/alE (not a plain slice)
    let upper = false; // the plain-slice word has an ASCII capital (needs lower-casing)
    let buf = "";
    let chunkStart = true;
    // NFC: the current cluster (last starter and the marks after it) starts at buf[clusterAt], text[clusterSrc].
    let clusterAt = 0;
    let clusterSrc = 0;

    const endWord = (end: number): void => {
      if (ws < 0) return;
      if (complex) {
        if (buf.length) sink(buf, ws, end, alS, alE, false);
      } else {
        const s = text.slice(ws, end);
        sink(upper ? s.toLowerCase() : s, ws, end, null, null, false);
      }
      ws = -1;
      complex = false;
      upper = false;
    };
    // Turns the plain-slice word text[ws, i) into a built one.
    const toComplex = (i: number): void => {
      const s = text.slice(ws, i);
      buf = lower ? s.toLowerCase() : s;
      alS.length = 0;
      alE.length = 0;
      for (let k = ws; k < i; k++) {
        alS.push(k);
        alE.push(k + 1);
      }
      complex = true;
      // In a plain slice the last code point is the last cluster's start (marks always go the built way).
      const last = buf.length >= 2 && (buf.charCodeAt(buf.length - 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      clusterAt = Math.max(0, buf.length - last);
      clusterSrc = ws + clusterAt;
    };
    // NFC: a combining mark joins the current cluster, which is recomposed.
    const combine = (mark: string, i: number, w: number): void => {
      if (ws < 0) {
        startComplex(i);
        clusterAt = 0;
        clusterSrc = i;
      } else if (!complex) toComplex(i);
      const tail = buf.slice(clusterAt) + mark;
      const comp = tail.normalize("NFC");
      if (comp === tail) {
        // Nothing composed: the mark is a char of its own.
        buf += mark;
        for (let m = 0; m < mark.length; m++) {
          alS.push(i);
          alE.push(i + w);
        }
        return;
      }
      buf = buf.slice(0, clusterAt) + comp;
      alS.length = clusterAt;
      alE.length = clusterAt;
      for (let m = 0; m < comp.length; m++) {
        alS.push(clusterSrc);
        alE.push(i + w);
      }
    };
    const startComplex = (i: number): void => {
      ws = i;
      buf = "";
      alS.length = 0;
      alE.length = 0;
      complex = true;
    };
    const single = (s: string, start: number, end: number): void => {
      if (s.length === end - start) {
        sink(s, start, end, null, null, false);
      } else {
        alS.length = 0;
        alE.length = 0;
        for (let k = 0; k < s.length; k++) {
          alS.push(start);
          alE.push(end);
        }
        sink(s, start, end, alS, alE, false);
      }
    };
    // Appends the (transformed) string t, which came from text[i, i + w), handling punctuation in it.
    const appendTransformed = (t: string, i: number, w: number): void => {
      if (ws >= 0 && !complex) toComplex(i);
      for (let k = 0; k < t.length; ) {
        const c2 = t.codePointAt(k)!;
        const w2 = c2 > 0xffff ? 2 : 1;
        if (charClass(c2) === P) {
          endWord(i);
          single(String.fromCodePoint(c2), i, i + w);
        } else if (nfc && isMark(c2) && ws >= 0) {
          combine(w2 === 1 ? t[k] : t.slice(k, k + 2), i, w);
        } else {
          if (ws < 0) startComplex(i);
          clusterAt = buf.length;
          clusterSrc = i;
          buf += w2 === 1 ? t[k] : t.slice(k, k + 2);
          for (let m = 0; m < w2; m++) {
            alS.push(i);
            alE.push(i + w);
          }
        }
        k += w2;
      }
    };

    // NFC: punctuation followed by combining marks may compose into a non-punctuation char ("=" + U+0338
    // is "≠"). Returns where the composed cluster ends, or -1 when nothing composes.
    const composeAfterPunct = (i: number, w: number): number => {
      let j = i + w;
      let cluster = text.slice(i, j);
      while (j < to) {
        const c = text.codePointAt(j)!;
        const cw = c > 0xffff ? 2 : 1;
        const k = charClass(c);
        if (k !== REMOVED) {
          if (k === PUNCT || !isMark(c)) break;
          cluster += text.slice(j, j + cw);
        }
        j += cw;
      }
      const comp = cluster.normalize("NFC");
      if (comp === cluster) return -1;
      appendTransformed(lower ? Array.from(comp, (c) => c.toLowerCase()).join("") : comp, i, j - i);
      return j;
    };

    let i = from;
    while (i < to) {
      let cp = text.charCodeAt(i);
      // Fast path: an ASCII letter or digit inside (or starting) a plain-slice word.
      if (cp < 128 && ASCII_CLASS[cp] === WORD && !chunkStart && !complex) {
        if (ws < 0) ws = i;
        if (cp <= 90 && cp >= 65 && lower) upper = true;
        i++;
        continue;
      }
      let w = 1;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < to) {
        const lo = text.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
          w = 2;
        }
      }
      const cls = charClass(cp);
      if (cls === SPACE) {
        endWord(i);
        chunkStart = true;
        i += w;
        continue;
      }
      if (cls === REMOVED) {
        if (ws >= 0 && !complex) toComplex(i);
        i += w;
        continue;
      }
      if (chunkStart) {
        chunkStart = false;
        if (firsts && firsts.has(text.charCodeAt(i))) {
          const j = this.matchNever(text, i, to, never!, sink);
          if (j >= 0) {
            i = j;
            continue;
          }
        }
      }
      if (cls === CJK && cjk) {
        endWord(i);
        const t = transform ? transform(cp) : null;
        if (t === null) single(text.slice(i, i + w), i, i + w);
        else appendTransformed(t, i, w);
        endWord(i + w);
        chunkStart = true;
        i += w;
        continue;
      }
      if (cls === P && nfc && i + w < to && text.charCodeAt(i + w) >= 0x300) {
        const j = composeAfterPunct(i, w);
        if (j >= 0) {
          i = j;
          continue;
        }
      }
      if (cp < 128) {
        if (cls === P) {
          endWord(i);
          sink(ASCII_CHARS[cp], i, i + 1, null, null, false);
        } else if (ws < 0) {
          ws = i;
          if (cp <= 90 && cp >= 65 && lower) upper = true;
        } else if (complex) {
          clusterAt = buf.length;
          clusterSrc = i;
          buf += ASCII_CHARS[lower && cp >= 65 && cp <= 90 ? cp + 32 : cp];
          alS.push(i);
          alE.push(i + 1);
        } else if (cp <= 90 && cp >= 65 && lower) {
          upper = true;
        }
        i += 1;
        continue;
      }
      if (nfc && cls !== P && isMark(cp)) {
        combine(text.slice(i, i + w), i, w);
        i += w;
        continue;
      }
      const t = transform ? transform(cp) : null;
      if (t === null) {
        // Unchanged by lower-casing / accent stripping / NFC.
        if (cls === P) {
          endWord(i);
          sink(text.slice(i, i + w), i, i + w, null, null, false);
        } else if (ws < 0) {
          ws = i;
        } else if (complex) {
          clusterAt = buf.length;
          clusterSrc = i;
          buf += text.slice(i, i + w);
          for (let m = 0; m < w; m++) {
            alS.push(i);
            alE.push(i + w);
          }
        }
      } else {
        appendTransformed(t, i, w);
      }
      i += w;
    }
    endWord(to);
  }
}

/** The char transform, returning null where the char is unchanged (so words stay plain slices). */
function makeIdentityAwareTransform(lower: boolean, strip: boolean, nfc: boolean): ((cp: number) => string | null) | null {
  if (!lower && !strip && !nfc) return null;
  const inner = makeCharTransform(lower, strip, nfc);
  const cache = new Map<number, string | null>();
  return (cp: number): string | null => {
    let t = cache.get(cp);
    if (t === undefined) {
      const s = inner(cp);
      t = s === String.fromCodePoint(cp) ? null : s;
      cache.set(cp, t);
    }
    return t;
  };
}
