// How much of a runtime error's stack a cell shows — IPython's `%xmode`. Context (the default) and Plain keep the
// cells' own frames and, for each library call a cell made, the one frame it entered (`BertModel.forward`,
// `Object.matMul`); the library's inner frames (tfjs internals, node_modules, node:internal) are dropped, as are
// the kernel's own. Context also shows the failing cell line with a caret; Plain does not. Verbose shows every
// frame; Minimal only "Name: message".
export const XMODES = ["Plain", "Context", "Verbose", "Minimal"] as const;
export type XMode = (typeof XMODES)[number];

let mode: XMode = "Context";

export function xmode(): XMode {
  return mode;
}

/** Sets the mode by name (any case); no name cycles Plain → Context → Verbose → Minimal, as IPython's %xmode. */
export function set_xmode(name?: string): XMode {
  if (!name) return (mode = XMODES[(XMODES.indexOf(mode) + 1) % XMODES.length]);
  const m = XMODES.find((x) => x.toLowerCase() === name.trim().toLowerCase());
  if (!m) throw new Error(`%xmode: "${name}" is not a mode; expected one of ${XMODES.join(", ")}`);
  return (mode = m);
}

/** A frame of the kernel itself (its runtime wrapper, the protocol). */
const KERNEL_FRAME = /kernel[\\/](ts|server)[\\/]/;
/** Node's own frames. */
const NODE_FRAME = /\(node:|^\s+at node:|\(internal[\\/]|^\s+at internal[\\/]/;
/** A frame of a cell (any cell: a function defined in In[3] called from In[5]) or of a user expression. */
const CELL_FRAME = /\bIn\[\d+\]:\d+|\buser_expression:\d+/;

/** The frames the current mode shows, from V8's frame lines (innermost first) already mapped to cell lines. */
export function trim_frames(frames: string[], m: XMode = mode): string[] {
  if (m === "Minimal") return [];
  const own = frames.filter((l) => !KERNEL_FRAME.test(l));
  if (m === "Verbose") return own;
  const is_cell = own.map((l) => CELL_FRAME.test(l));
  if (!is_cell.some(Boolean)) {
    // thrown outside any cell frame (a callback): the library frames that are not node_modules / node internals
    const mine = own.filter((l) => !NODE_FRAME.test(l) && !/[\\/]node_modules[\\/]/.test(l));
    return (mine.length ? mine : own.filter((l) => !NODE_FRAME.test(l)).slice(0, 1)).slice(0, 5);
  }
  // a cell frame, or the frame a cell frame called into (the library call's entry)
  return own.filter((_l, i) => is_cell[i] || (is_cell[i + 1] && !NODE_FRAME.test(own[i])));
}

/** Whether the failing cell line is shown under the stack. */
export function shows_excerpt(m: XMode = mode): boolean {
  return m === "Context" || m === "Verbose";
}

/** How many frames the current mode left out (said under the stack, so nothing is hidden silently). */
export function hidden_note(all: number, shown: number, m: XMode = mode): string | null {
  if (m === "Minimal" || m === "Verbose" || all <= shown) return null;
  return `  (${all - shown} library frame${all - shown === 1 ? "" : "s"} hidden; %xmode Verbose shows them)`;
}
