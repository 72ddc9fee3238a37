// Just enough of source maps (v3) for cell tracebacks: decode `mappings`, look a generated position up, and
// chain two maps (TypeScript's cell → ES module JS, then ES module → CommonJS). Positions are 0-based.
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

/** One segment per mapped column: [generated column, source index, source line, source column]. */
export type Segment = [number, number, number, number];
export type LineMap = Segment[][];
export type Position = { line: number; column: number };

function vlq(s: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of s) {
    const d = DIGIT.get(c);
    if (d === undefined) throw new Error(`source map: bad base64 digit "${c}" in mappings`);
    value += (d & 31) << shift;
    if (d & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Decodes a v3 `mappings` string into segments per generated line (only segments with a source). */
export function decode_mappings(mappings: string): LineMap {
  const lines: LineMap = [];
  let src = 0;
  let src_line = 0;
  let src_col = 0;
  for (const line of mappings.split(";")) {
    const segs: Segment[] = [];
    let col = 0;
    for (const part of line.split(",")) {
      if (!part) continue;
      const v = vlq(part);
      col += v[0];
      if (v.length >= 4) {
        src += v[1];
        src_line += v[2];
        src_col += v[3];
        segs.push([col, src, src_line, src_col]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/** The source position of a generated position: the last segment at or before the column (else the line's first). */
export function lookup(map: LineMap, pos: Position): Position | null {
  const segs = map[pos.line];
  if (!segs || segs.length === 0) return null;
  let hit = segs[0];
  for (const s of segs) if (s[0] <= pos.column) hit = s;
  return { line: hit[2], column: hit[3] + Math.max(0, pos.column - hit[0]) };
}

/** A lookup through several maps, last (outermost) first. */
export function chain(maps: LineMap[]): (pos: Position) => Position | null {
  return (pos) => {
    let p: Position | null = pos;
    for (const m of maps) {
      if (!p) return null;
      p = lookup(m, p);
    }
    return p;
  };
}

/** Splits `//# sourceMappingURL=data:...;base64,...` off JS text: [code without it, decoded map or null]. */
export function take_inline_map(js: string): [string, LineMap | null] {
  const m = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
  if (!m) return [js, null];
  const json = JSON.parse(Buffer.from(m[1], "base64").toString("utf8")) as { mappings: string };
  return [js.slice(0, m.index) + "\n", decode_mappings(json.mappings)];
}
