// A restricted Python unpickler (protocols 0–5 opcodes, binary forms) that only builds data.
// It never imports or runs anything: a GLOBAL / STACK_GLOBAL resolves only through the caller's
// allow-list (`globals`), anything else is refused at once with an error naming it, and REDUCE /
// NEWOBJ / BUILD only act on allow-listed entries. Values come back as plain JavaScript:
//   None → null, bool → boolean, int → number (bigint past 2^53), float → number, str → string,
//   bytes → Uint8Array, tuple / list → array, dict → PyDict (a Map), set → Set.

import { FileFormatError } from "../utils/read_file";

/** A Python dict (or OrderedDict); `state` holds what BUILD set (e.g. a state dict's `_metadata`). */
export class PyDict extends Map<unknown, unknown> {
  state: unknown = undefined;
}

/** An allow-listed global. `call` makes it usable by REDUCE (`f(*args)`); without it, it is only a marker. */
export interface AllowedGlobal {
  call?: (args: unknown[]) => unknown;
  /** Optional payload for markers (e.g. the dtype of a torch storage class). */
  value?: unknown;
}

export interface UnpickleOptions {
  /** "module.qualname" → what the global may do. Everything not listed is refused. */
  globals: Record<string, AllowedGlobal>;
  /** Resolves PERSID / BINPERSID ids (torch storages). Without it those opcodes are refused. */
  persistent_load?: (pid: unknown) => unknown;
  /** Names the input in errors (a file path). */
  source?: string;
  /** How errors describe the allow-list (default: every allowed name). */
  allowed_description?: string;
}

/** The global object on the stack: its name and its allow-list entry. */
export class GlobalRef {
  constructor(readonly fullName: string, readonly entry: AllowedGlobal) {}
}

const MARK = Symbol("mark");

/** Thrown for refused globals / operations and malformed pickles; the message names what was refused. */
export class UnpicklingError extends FileFormatError {
  constructor(message: string) {
    super(message);
    this.name = "UnpicklingError";
  }
}

/** Unpickles one pickle from the start of `bytes`. */
export function loadPickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  return loadPickleAt(bytes, 0, options).value;
}

/** Unpickles one pickle starting at `offset`; `end` is the offset just past its STOP opcode. */
export function loadPickleAt(bytes: Uint8Array, offset: number, options: UnpickleOptions): { value: unknown; end: number } {
  const src = options.source ?? "pickle";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = offset;

  const fail = (msg: string): never => {
    throw new UnpicklingError(`${src}: ${msg} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.byteLength) fail(`unexpected end of data: needed ${n} more bytes (truncated pickle?)`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = () => {
    const start = pos;
    while (pos < bytes.byteLength && bytes[pos] !== 0x0a) pos++;
    if (pos >= bytes.byteLength) fail("unexpected end of data in a text argument (truncated pickle?)");
    return Buffer.from(bytes.subarray(start, pos++)).toString("latin1");
  };
  const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail("stack underflow (malformed pickle)");
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail("stack underflow (malformed pickle)");
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    if (marks.length === 0) fail("no MARK on the stack (malformed pickle)");
    const m = marks.pop()!;
    return stack.splice(m);
  };
  const resolveGlobal = (module: string, name: string): GlobalRef => {
    const full = `${module}.${name}`;
    const entry = Object.prototype.hasOwnProperty.call(options.globals, full) ? options.globals[full] : undefined;
    if (!entry) {
      const allowed = options.allowed_description ?? (Object.keys(options.globals).sort().join(", ") || "no globals");
      fail(`refusing to load global '${full}': only ${allowed} are allowed (nothing in a pickle is ever executed)`);
    }
    return new GlobalRef(full, entry!);
  };
  const callGlobal = (fn: unknown, args: unknown, op: string): unknown => {
    if (!(fn instanceof GlobalRef)) fail(`${op} on a ${describe(fn)}, expected an allow-listed callable`);
    const g = fn as GlobalRef;
    if (!g.entry.call) fail(`refusing ${op} of '${g.fullName}': it is allowed only as a marker, not as a callable`);
    if (!Array.isArray(args)) fail(`${op} of '${g.fullName}' with ${describe(args)} arguments, expected a tuple`);
    try {
      return g.entry.call!(args as unknown[]);
    } catch (e) {
      return fail(`${g.fullName}: ${(e as Error).message}`);
    }
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof PyDict)) fail(`SETITEM(S) on a ${describe(target)}, expected a dict`);
    if (items.length % 2) fail("SETITEMS with an odd number of items (malformed pickle)");
    for (let i = 0; i < items.length; i += 2) (target as PyDict).set(items[i], items[i + 1]);
  };
  const getMemo = (i: number) => {
    if (!memo.has(i)) fail(`memo key ${i} was never stored (malformed pickle)`);
    return memo.get(i);
  };
  const textInt = (s: string): number | bigint => {
    if (!/^[-+]?\d+$/.test(s)) fail(`malformed integer '${s.slice(0, 20)}' in a text opcode`);
    // CPython's limit on int-from-text conversion (sys.get_int_max_str_digits), which also keeps this linear
    if (s.length > 4300) fail(`integer of ${s.length} digits exceeds the 4300-digit limit`);
    const v = BigInt(s);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const memoKey = (s: string): number => {
    const v = textInt(s);
    if (typeof v !== "number" || v < 0) fail(`malformed memo key '${s.slice(0, 20)}'`);
    return v as number;
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = BigInt(`0x${Buffer.from(b).reverse().toString("hex")}`); // little-endian two's complement
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto > 5) fail(`pickle protocol ${proto} is newer than the supported 5`);
        break;
      }
      case 0x95: take(8); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        if (stack.length !== 1) fail(`STOP with ${stack.length} values on the stack, expected 1 (malformed pickle)`);
        return { value: stack[0], end: pos };
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(long(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail("LONG4 with a negative length");
        stack.push(long(take(n)));
        break;
      }
      case 0x49: { // INT (text)
        const s = line();
        if (s === "01") stack.push(true);
        else if (s === "00") stack.push(false);
        else stack.push(textInt(s));
        break;
      }
      case 0x4c: stack.push(textInt(line().replace(/L$/, ""))); break; // LONG (text)
      case 0x46: { // FLOAT (text)
        const s = line();
        const v = Number(s);
        if (s.trim() === "" || (Number.isNaN(v) && s.trim().toLowerCase() !== "nan")) fail(`malformed float '${s.slice(0, 20)}' in a text opcode`);
        stack.push(v);
        break;
      }
      case 0x47: { // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: stack.push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x54: { // BINSTRING (py2 str): latin-1
        const n = i32();
        if (n < 0) fail("BINSTRING with a negative length");
        stack.push(Buffer.from(take(n)).toString("latin1"));
        break;
      }
      case 0x55: stack.push(Buffer.from(take(u8())).toString("latin1")); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(take(u64()).slice()); break; // BYTEARRAY8
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) fail(`APPEND to a ${describe(list)}, expected a list`);
        (list as unknown[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail(`APPENDS to a ${describe(list)}, expected a list`);
        for (const it of items) (list as unknown[]).push(it); // not push(...items): no argument-count limit
        break;
      }
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS to a ${describe(s)}, expected a set`);
        for (const it of items) (s as Set<unknown>).add(it);
        break;
      }
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x67: stack.push(getMemo(memoKey(line()))); break; // GET
      case 0x68: stack.push(getMemo(u8())); break; // BINGET
      case 0x6a: stack.push(getMemo(u32())); break; // LONG_BINGET
      case 0x70: memo.set(memoKey(line()), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== "string" || typeof name !== "string") fail("STACK_GLOBAL with non-string module or name");
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(callGlobal(fn, args, "REDUCE"));
        break;
      }
      case 0x81: { // NEWOBJ cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, args, "NEWOBJ"));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(callGlobal(cls, args, "NEWOBJ_EX"));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) obj.state = state;
        else fail(`BUILD (setstate) on a ${describe(obj)} is not allowed; only dicts may carry state`);
        break;
      }
      case 0x50: case 0x51: { // PERSID / BINPERSID
        const pid = op === 0x50 ? line() : pop();
        if (!options.persistent_load) fail("persistent id in a pickle that should have none");
        stack.push(options.persistent_load!(pid));
        break;
      }
      case 0x69: { // INST "module\nname\n" — builds an instance: refuse, naming the class
        const module = line();
        const name = line();
        fail(`refusing INST of '${module}.${name}': instantiating classes is not allowed (nothing in a pickle is ever executed)`);
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        const cls = items[0];
        fail(`refusing OBJ of ${cls instanceof GlobalRef ? `'${cls.fullName}'` : describe(cls)}: instantiating classes is not allowed`);
        break;
      }
      case 0x82: case 0x83: case 0x84: // EXT1/2/4
        fail("refusing an extension-registry global (EXT opcode): unknown global, not allowed");
        break;
      case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER
        fail("out-of-band buffers (pickle protocol 5 NEXT_BUFFER) are not supported");
        break;
      case 0x53: case 0x56: // STRING / UNICODE (protocol 0 text forms)
        fail(`protocol 0 text opcode '${String.fromCharCode(op)}' is not supported; re-save the file with protocol 2 or newer`);
        break;
      default:
        fail(`unknown pickle opcode 0x${op.toString(16).padStart(2, "0")} (not a pickle, or a corrupted one)`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return "None";
  if (v instanceof GlobalRef) return `global '${v.fullName}'`;
  if (v instanceof PyDict) return "dict";
  if (Array.isArray(v)) return "tuple/list";
  if (v instanceof Uint8Array) return "bytes";
  return typeof v;
}
