// Maximum flow by Edmonds–Karp (shortest augmenting paths by BFS) on a dense capacity matrix, and the
// minimum cut it certifies. Small graphs (attention flow: (layers + 1) × seq nodes).

/** A maximum flow and the minimum cut that certifies it (attention_flow's building block). */
export interface MaxFlow {
  value: number;
  /** flow[u][v] on each edge. */
  flow: number[][];
  /** Nodes reachable from the source in the final residual graph (the source side of a minimum cut). */
  source_side: boolean[];
}

/**
 * Maximum flow from `source` to `sink` in a capacity matrix (Edmonds–Karp); attention_flow's solver (Python: networkx `maximum_flow_value`).
 * @example
 * ```ts
 * max_flow([[0, 1], [0, 0]], 0, 1).value // 1
 * ```
 */
export function max_flow(capacity: number[][], source: number, sink: number, eps = 1e-12): MaxFlow {
  const n = capacity.length;
  if (!(source >= 0 && source < n && sink >= 0 && sink < n)) throw new Error(`max_flow: source ${source} / sink ${sink} outside 0..${n - 1}`);
  const flow = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const residual = (u: number, v: number) => capacity[u][v] - flow[u][v] + flow[v][u];
  // neighbours in either direction (residual edges go both ways)
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) if (capacity[u][v] > 0) { adj[u].push(v); adj[v].push(u); }
  let value = 0;
  const parent = new Array<number>(n);
  const bfs = (): boolean => {
    parent.fill(-1);
    parent[source] = source;
    const queue = [source];
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi];
      for (const v of adj[u]) {
        if (parent[v] === -1 && residual(u, v) > eps) {
          parent[v] = u;
          if (v === sink) return true;
          queue.push(v);
        }
      }
    }
    return false;
  };
  if (source !== sink) {
    while (bfs()) {
      let push = Infinity;
      for (let v = sink; v !== source; v = parent[v]) push = Math.min(push, residual(parent[v], v));
      for (let v = sink; v !== source; v = parent[v]) {
        const u = parent[v];
        // cancel reverse flow first, then add forward flow
        const back = Math.min(push, flow[v][u]);
        flow[v][u] -= back;
        flow[u][v] += push - back;
      }
      value += push;
    }
  }
  bfs();
  return { value, flow, source_side: parent.map((p) => p !== -1) };
}
