// Starts the tslab kernel with its iopub publisher made lossless. tslab sends every stream chunk with an
// un-awaited `sock.send()` on a zeromq v6 Publisher; while one send is in flight the next one throws
// EBUSY ("Socket is busy writing"), and Node's console swallows that error, so a cell printing thousands
// of lines in a loop lost all but the first ~500 (issue 12). Here every Publisher send waits its turn in
// one queue per socket, in order. A send that still fails is counted and reported on the kernel's
// stderr as "bertlab-kernel: lost N iopub messages", which the runner turns into a failed run.
// Usage (what the kernelspec and the runner start): node tslab_launch.js kernel --config-path FILE
import * as path from "path";

export const LOST_MARKER = "bertlab-kernel: lost";

type Sendable = { send(msg: unknown): Promise<void> };


/** Makes `Publisher.prototype.send` queue instead of throwing EBUSY; returns a counter of failed sends. */
export function make_publisher_lossless(zmq: { Publisher: { prototype: Sendable } }): { lost: number } {
  const counter = { lost: 0 };
  const proto = zmq.Publisher.prototype;
  const send = proto.send;
  const queues = new WeakMap<object, { tail: Promise<void>; pending: number }>();
  const attempt = (sock: Sendable, msg: unknown): Promise<void> => {
    try {
      return send.call(sock, msg);
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const queued = function (this: Sendable, msg: unknown): Promise<void> {
    let q = queues.get(this);
    if (!q) queues.set(this, (q = { tail: Promise.resolve(), pending: 0 }));
    const state = q;
    // Idle socket: send now, synchronously like tslab's own call (so output printed right before
    // process.exit still leaves); busy: wait behind the sends in flight, in order.
    const p = state.pending === 0 ? attempt(this, msg) : state.tail.then(() => attempt(this, msg));
    state.pending++;
    const settled = p.then(
      () => void state.pending--,
      () => {
        state.pending--;
        counter.lost++;
        process.stderr.write(`${LOST_MARKER} ${counter.lost} iopub message(s)\n`);
      },
    );
    state.tail = settled;
    return settled;
  };
  // No high-water mark: a PUB socket silently drops what exceeds it (default 1000 queued messages).
  const bind = (proto as unknown as { bind(addr: string): Promise<void> }).bind;
  const unbounded = function (this: { sendHighWaterMark: number }, addr: string): Promise<void> {
    this.sendHighWaterMark = 0;
    return bind.call(this, addr);
  };
  Object.defineProperty(proto, "bind", { value: unbounded, writable: true, configurable: true });
  // `send` is inherited read-only from zeromq's native Writable: define an own property instead.
  Object.defineProperty(proto, "send", { value: queued, writable: true, configurable: true });
  return counter;
}

if (require.main === module) {
  const tslab = path.dirname(require.resolve("tslab/package.json"));
  make_publisher_lossless(require(require.resolve("zeromq", { paths: [tslab] })));
  require(path.join(tslab, "dist", "main.js")).main();
}
