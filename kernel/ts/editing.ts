// Editing help for front ends, from the cell compiler: completions (cursor span and names, bertlab's among
// them once imported), inspection (signature and doc comment of the symbol under the cursor, which is also
// what `name?` pages) and whether a cell is complete, incomplete (more lines to come) or invalid.
import type { Completeness, Completion, Inspection } from "../server/executor";
import type { CellCompiler, QuickInfo, TsModule } from "./compiler";
import { is_retired } from "./decl_env";

export function complete(compiler: CellCompiler, prev_decl: string, code: string, cursor: number): Completion {
  const r = compiler.complete(prev_decl, code, cursor);
  // not the declarations kept for earlier values' types after a rebinding (decl_env.ts)
  return { matches: r.candidates.filter((n) => !is_retired(n)), cursor_start: r.start, cursor_end: r.end, metadata: {} };
}

function parts_text(parts: Array<{ text: string }> | string | undefined): string {
  return typeof parts === "string" ? parts : (parts ?? []).map((p) => p.text).join("");
}

/** QuickInfo → { text/plain, text/markdown }: the signature, the doc comment, then @param / @returns / @example tags. */
export function quick_info_bundle(info: QuickInfo): Record<string, string> {
  const signature = parts_text(info.displayParts);
  const doc = parts_text(info.documentation);
  const tags = (info.tags ?? []).map((t) => {
    const text = parts_text(t.text);
    return t.name === "example" ? `@example\n${text}` : `@${t.name}${text ? " " + text : ""}`;
  });
  const plain = [signature, doc, ...tags].filter(Boolean).join("\n\n");
  const md = ["```typescript\n" + signature + "\n```", doc, ...tags.map((t) => (t.startsWith("@example") ? "*@example*\n```typescript\n" + t.slice(9) + "\n```" : `*${t}*`))]
    .filter(Boolean)
    .join("\n\n");
  return { "text/plain": plain, "text/markdown": md };
}

export function inspect(compiler: CellCompiler, prev_decl: string, code: string, cursor: number): Inspection {
  // the cursor usually sits just after the name: ask there, then one character back
  for (const pos of [cursor, cursor - 1]) {
    if (pos < 0) continue;
    const info = compiler.inspect(prev_decl, code, pos);
    if (info && (info.displayParts?.length ?? 0) > 0) return { found: true, data: quick_info_bundle(info), metadata: {} };
  }
  return { found: false, data: {}, metadata: {} };
}

/**
 * Complete unless the parser stops at the very end for want of more ("'}' expected", an unterminated string or
 * template); invalid when it fails elsewhere. Two trailing blank lines force "complete", as in tslab's console.
 */
export function is_complete(ts: TsModule, code: string): Completeness {
  if (/(^|\n)\s*\n\s*$/.test(code) && code.trim()) return { status: "complete" };
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const diags: Array<{ start: number; length: number; messageText: unknown; code: number }> = sf.parseDiagnostics ?? [];
  if (diags.length === 0) return { status: "complete" };
  const end = code.replace(/\s+$/, "").length;
  const at_end = (d: { start: number; length: number }) => d.start + d.length >= end;
  // 1002 unterminated string, 1010 '*/' expected, 1160 unterminated template, 1005 'x' expected, 1109 expression expected
  const wants_more = diags.some((d) => [1002, 1005, 1010, 1109, 1126, 1160, 1161].includes(d.code));
  if (wants_more && diags.every(at_end)) {
    const line = /[^\n]*$/.exec(code)![0];
    const indent = /^\s*/.exec(line)![0] + (/[{([]\s*$/.test(line) ? "  " : "");
    return { status: "incomplete", indent };
  }
  return { status: "invalid" };
}
