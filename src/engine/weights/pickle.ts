/**
 * A restricted Python unpickler: it interprets the data-building opcodes of protocols 2 to 5 and nothing
 * else. It calls no Python and no JavaScript it was not handed: GLOBAL / STACK_GLOBAL go through the
 * host's allow-list, REDUCE only applies a `PickleCallable` that the allow-list returned, and opcodes that
 * construct arbitrary objects (INST, OBJ, NEWOBJ, NEWOBJ_EX) or run extension registries are refused.
 *
 * Values: None → null, bool, int → number (bigint past 2^53), float → number, str → string,
 * bytes → Uint8Array, list and tuple → array, dict → Map (never a plain object, so no key reaches a prototype).
 */

/** A callable the host allows REDUCE to apply; its implementation is plain TypeScript. */
export class PickleCallable {
  constructor(readonly qualifiedName: string, readonly apply: (args: unknown[]) => unknown) {}
}

/** A GLOBAL the host refuses; carries the qualified name so the caller can say which. */
export class ForbiddenGlobalError extends Error {
  constructor(readonly qualifiedName: string) {
    super(`the pickle references '${qualifiedName}', which is not allowed`);
  }
}

export interface PickleHost {
  /** The value `module.name` stands for; throws ForbiddenGlobalError for anything not allow-listed. */
  findGlobal(module: string, name: string): unknown;
  /** BINPERSID: what a persistent id (for torch, a storage reference) stands for. */
  persistentLoad(pid: unknown): unknown;
}

export interface Unpickled {
  value: unknown;
  /** Byte just past STOP: legacy torch files hold several pickles back to back. */
  end: number;
}

/** Opcodes we know by name but refuse, so the error says which one instead of a bare byte. */
const REFUSED_OPCODES: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX',
  0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x50: 'PERSID',
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x70: 'PUT', 0x67: 'GET',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** Python 2 module names a protocol-2 pickle may use, renamed as Python 3's unpickler does (fix_imports). */
const PY3_MODULE: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

function globalOf(host: PickleHost, module: string, name: string): unknown {
  return host.findGlobal(Object.hasOwn(PY3_MODULE, module) ? PY3_MODULE[module] : module, name);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  private readonly view: DataView;
  pos: number;

  constructor(readonly bytes: Uint8Array, start: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  private take(n: number): number {
    const at = this.pos;
    if (!Number.isSafeInteger(n) || n < 0 || at + n > this.bytes.length) {
      throw new Error(`the pickle is cut off at byte ${this.bytes.length} (needs ${n} bytes at ${at}; truncated file?)`);
    }
    this.pos += n;
    return at;
  }

  u8(): number { return this.view.getUint8(this.take(1)); }
  u16(): number { return this.view.getUint16(this.take(2), true); }
  i32(): number { return this.view.getInt32(this.take(4), true); }
  u32(): number { return this.view.getUint32(this.take(4), true); }
  u64(): number {
    const at = this.take(8);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`length ${v} at byte ${at} is too large`);
    return Number(v);
  }
  f64(): number { return this.view.getFloat64(this.take(8), false); } // BINFLOAT is big-endian
  raw(n: number): Uint8Array { const at = this.take(n); return this.bytes.subarray(at, at + n); }
  utf8(n: number): string { return UTF8.decode(this.raw(n)); }
  latin1(n: number): string { return Buffer.from(this.raw(n)).toString('latin1'); }
  line(): string {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) throw new Error(`the pickle is cut off at byte ${this.bytes.length} inside a GLOBAL name (truncated file?)`);
    const text = this.latin1(nl - this.pos);
    this.pos += 1;
    return text;
  }
}

/** Little-endian two's complement, as LONG1 / LONG4 store Python ints. */
function decodeLong(data: Uint8Array): number | bigint {
  if (data.length === 0) return 0;
  let v = 0n;
  for (let i = data.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i]);
  if (data[data.length - 1] & 0x80) v -= 1n << BigInt(8 * data.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function describe(v: unknown): string {
  if (v instanceof PickleCallable) return `'${v.qualifiedName}'`;
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return 'a list or tuple';
  if (v === null) return 'None';
  return `a ${typeof v}`;
}

/** Reads one pickle starting at `start` and returns its value and where it ended. */
export function unpickle(bytes: Uint8Array, host: PickleHost, start = 0): Unpickled {
  const r = new Reader(bytes, start);
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (at: number, what: string): never => { throw new Error(`${what} (pickle byte ${at})`); };
  const pop = (at: number): unknown => {
    if (stack.length === 0) fail(at, 'the pickle pops an empty stack (corrupt file?)');
    return stack.pop();
  };
  const top = (at: number): unknown => {
    if (stack.length === 0) fail(at, 'the pickle reads an empty stack (corrupt file?)');
    return stack[stack.length - 1];
  };
  /** Everything pushed since the last MARK, which is dropped. */
  const popMark = (at: number): unknown[] => {
    const items = stack;
    const outer = marks.pop();
    if (!outer) fail(at, 'the pickle closes a MARK it never opened (corrupt file?)');
    stack = outer!;
    return items;
  };
  const asDict = (v: unknown, at: number): Map<unknown, unknown> => {
    if (!(v instanceof Map)) fail(at, `the pickle sets items on ${describe(v)}, not a dict`);
    return v as Map<unknown, unknown>;
  };
  const asList = (v: unknown, at: number): unknown[] => {
    if (!Array.isArray(v)) fail(at, `the pickle appends to ${describe(v)}, not a list`);
    return v as unknown[];
  };
  const memoGet = (key: number, at: number): unknown => {
    if (!memo.has(key)) fail(at, `the pickle reads memo ${key}, which was never stored (corrupt file?)`);
    return memo.get(key);
  };

  while (r.pos < bytes.length) {
    const at = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: { // PROTO
        const version = r.u8();
        if (version > 5) fail(at, `pickle protocol ${version} is newer than 5`);
        break;
      }
      case 0x95: r.u64(); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        const value = pop(at);
        return { value, end: r.pos };
      }
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x30: pop(at); break; // POP
      case 0x31: popMark(at); break; // POP_MARK
      case 0x32: stack.push(top(at)); break; // DUP

      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(r.i32()); break; // BININT
      case 0x4b: stack.push(r.u8()); break; // BININT1
      case 0x4d: stack.push(r.u16()); break; // BININT2
      case 0x8a: stack.push(decodeLong(r.raw(r.u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = r.i32();
        if (n < 0) fail(at, 'negative LONG4 length');
        stack.push(decodeLong(r.raw(n)));
        break;
      }
      case 0x47: stack.push(r.f64()); break; // BINFLOAT

      case 0x58: stack.push(r.utf8(r.u32())); break; // BINUNICODE
      case 0x8c: stack.push(r.utf8(r.u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(r.utf8(r.u64())); break; // BINUNICODE8
      case 0x54: { // BINSTRING (Python 2 str)
        const n = r.i32();
        if (n < 0) fail(at, 'negative BINSTRING length');
        stack.push(r.latin1(n));
        break;
      }
      case 0x55: stack.push(r.latin1(r.u8())); break; // SHORT_BINSTRING
      case 0x42: stack.push(r.raw(r.u32())); break; // BINBYTES
      case 0x43: stack.push(r.raw(r.u8())); break; // SHORT_BINBYTES
      case 0x8e: stack.push(r.raw(r.u64())); break; // BINBYTES8

      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: { const items = popMark(at); stack.push(items); break; } // TUPLE (popMark swaps `stack`: read it after)
      case 0x85: stack.push([pop(at)]); break; // TUPLE1
      case 0x86: { const b = pop(at); const a = pop(at); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(at); const b = pop(at); const a = pop(at); stack.push([a, b, c]); break; } // TUPLE3

      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: { const items = popMark(at); stack.push(items); break; } // LIST
      case 0x61: { const item = pop(at); asList(top(at), at).push(item); break; } // APPEND
      case 0x65: { // APPENDS
        const items = popMark(at);
        const list = asList(top(at), at);
        for (const item of items) list.push(item);
        break;
      }

      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark(at);
        if (items.length % 2 !== 0) fail(at, 'DICT with an odd number of items (corrupt file?)');
        const dict = new Map<unknown, unknown>();
        for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
        stack.push(dict);
        break;
      }
      case 0x73: { const v = pop(at); const k = pop(at); asDict(top(at), at).set(k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark(at);
        if (items.length % 2 !== 0) fail(at, 'SETITEMS with an odd number of items (corrupt file?)');
        const dict = asDict(top(at), at);
        for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
        break;
      }

      case 0x71: memo.set(r.u8(), top(at)); break; // BINPUT
      case 0x72: memo.set(r.u32(), top(at)); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top(at)); break; // MEMOIZE
      case 0x68: stack.push(memoGet(r.u8(), at)); break; // BINGET
      case 0x6a: stack.push(memoGet(r.u32(), at)); break; // LONG_BINGET

      case 0x63: { // GLOBAL
        const module = r.line();
        const name = r.line();
        stack.push(globalOf(host, module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(at);
        const module = pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') fail(at, 'STACK_GLOBAL needs two strings');
        stack.push(globalOf(host, module as string, name as string));
        break;
      }
      case 0x51: stack.push(host.persistentLoad(pop(at))); break; // BINPERSID
      case 0x52: { // REDUCE
        const args = pop(at);
        const fn = pop(at);
        if (!(fn instanceof PickleCallable)) fail(at, `the pickle calls ${describe(fn)}, which is not an allowed callable`);
        if (!Array.isArray(args)) fail(at, `the pickle calls ${describe(fn)} with ${describe(args)} instead of an argument tuple`);
        stack.push((fn as PickleCallable).apply(args as unknown[]));
        break;
      }
      case 0x62: { // BUILD
        const state = pop(at);
        const target = top(at);
        // Python sets these as instance attributes (an OrderedDict's `_metadata`); items are unaffected.
        if (!(target instanceof Map) || !(state instanceof Map || state === null)) {
          fail(at, `the pickle sets state on ${describe(target)}, which only a dict with attributes allows here`);
        }
        break;
      }

      default: {
        const name = REFUSED_OPCODES[op];
        fail(at, name ? `unsupported pickle opcode ${name}` : `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} (not a pickle, or a corrupt one)`);
      }
    }
  }
  throw new Error(`the pickle ends at byte ${bytes.length} before its STOP opcode (truncated file?)`);
}
