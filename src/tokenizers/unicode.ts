// Character classes of BERT's BasicTokenizer, as Python's `unicodedata` sees them:
// text cleaning (drop \0, \ufffd and control chars), whitespace, CJK ideographs and punctuation.
// One byte per code point, filled lazily (a regex runs once per distinct code point, never per char).

export const WORD = 1; // part of a word
export const SPACE = 2; // splits words (\t \n \r, Zs, and the Zl/Zp separators Python's str.split() also splits on)
export const REMOVED = 3; // dropped by _clean_text: \0, \ufffd, and every category C* except \t \n \r
export const PUNCT = 4; // ASCII 33-47, 58-64, 91-96, 123-126, or Unicode P*
export const CJK = 5; // CJK Unified Ideographs (and extensions / compatibility blocks): one word each

const table = new Uint8Array(0x110000);

const RE_CONTROL = /^\p{C}$/u;
const RE_ZS = /^\p{Zs}$/u;
const RE_PUNCT = /^\p{P}$/u;
const RE_MN = /\p{Mn}/gu;
const RE_MARK = /^\p{M}$/u;
const markTable = new Uint8Array(0x110000); // 0 unknown, 1 no, 2 yes

/**
 * A character NFC may compose with the one before it: a combining mark (category M), or a Hangul
 * medial vowel / final consonant jamo (ᄉ + ᅭ + ᆯ compose to 숄).
 */
export function isMark(cp: number): boolean {
  let m = markTable[cp];
  if (m === 0) {
    const jamo = (cp >= 0x1160 && cp <= 0x11ff) || (cp >= 0xd7b0 && cp <= 0xd7ff);
    m = markTable[cp] = jamo || RE_MARK.test(String.fromCodePoint(cp)) ? 2 : 1;
  }
  return m === 2;
}

export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function isAsciiPunct(cp: number): boolean {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
}

function computeClass(cp: number): number {
  if (cp === 0 || cp === 0xfffd) return REMOVED;
  if (cp === 9 || cp === 10 || cp === 13) return SPACE;
  const ch = String.fromCodePoint(cp);
  if (RE_CONTROL.test(ch)) return REMOVED;
  if (cp === 32 || RE_ZS.test(ch) || cp === 0x2028 || cp === 0x2029) return SPACE;
  if (isCjk(cp)) return CJK;
  if (isAsciiPunct(cp) || RE_PUNCT.test(ch)) return PUNCT;
  return WORD;
}

/** The class of a code point (WORD, SPACE, REMOVED, PUNCT or CJK). */
export function charClass(cp: number): number {
  const c = table[cp];
  if (c !== 0) return c;
  return (table[cp] = computeClass(cp));
}

for (let cp = 0; cp < 128; cp++) table[cp] = computeClass(cp);
/** Classes of the ASCII range (a view of the table, filled at load). */
export const ASCII_CLASS: Uint8Array = table.subarray(0, 128);

/** Python's `_run_strip_accents`: NFD, then drop every nonspacing mark (category Mn). */
export function stripAccents(s: string): string {
  return s.normalize("NFD").replace(RE_MN, "");
}

/**
 * Per-character transform of a non-ASCII char for the given lower-casing / accent-stripping / NFC
 * settings (Python lower-cases the text one character at a time, so no final-sigma context; NFC of a
 * single character only changes singletons such as U+212B ANGSTROM SIGN -> U+00C5).
 */
export function makeCharTransform(lower: boolean, strip: boolean, nfc = false): (cp: number) => string {
  const cache = new Map<number, string>();
  return (cp: number): string => {
    let t = cache.get(cp);
    if (t === undefined) {
      t = String.fromCodePoint(cp);
      if (lower) t = t.toLowerCase();
      if (strip) t = stripAccents(t);
      else if (nfc) t = t.normalize("NFC");
      cache.set(cp, t);
    }
    return t;
  };
}
