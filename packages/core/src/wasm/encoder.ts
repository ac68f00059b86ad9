/**
 * A minimal WebAssembly binary encoder: just enough to emit the few numeric
 * kernels of bml (loops, integer address arithmetic, f64 and 128-bit SIMD
 * loads, stores and arithmetic on f64 and f32 lanes) without a toolchain.
 * Each helper returns the bytes of one instruction; a function body is the
 * concatenation of those arrays.
 *
 * Reference: WebAssembly Core Specification 2.0, section 5 (binary format)
 * and the fixed-width SIMD proposal's opcode table.
 */

export type Bytes = number[];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(value: number): Bytes {
  const out: Bytes = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(value: number): Bytes {
  const out: Bytes = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vector(items: Bytes[]): Bytes {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): Bytes {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: Bytes): Bytes {
  return [id, ...uleb(body.length), ...body];
}

const simd = (code: number, ...rest: number[]): Bytes => [0xfd, ...uleb(code), ...rest];

/** Instructions, one helper per opcode used. */
export const op = {
  block: (): Bytes => [0x02, 0x40],
  loop: (): Bytes => [0x03, 0x40],
  if: (): Bytes => [0x04, 0x40],
  else: (): Bytes => [0x05],
  end: (): Bytes => [0x0b],
  br: (depth: number): Bytes => [0x0c, ...uleb(depth)],
  brIf: (depth: number): Bytes => [0x0d, ...uleb(depth)],
  get: (local: number): Bytes => [0x20, ...uleb(local)],
  set: (local: number): Bytes => [0x21, ...uleb(local)],
  tee: (local: number): Bytes => [0x22, ...uleb(local)],
  i32Load: (offset = 0): Bytes => [0x28, 2, ...uleb(offset)],
  f32Load: (offset = 0): Bytes => [0x2a, 2, ...uleb(offset)],
  f32Store: (offset = 0): Bytes => [0x38, 2, ...uleb(offset)],
  f32Const: (value: number): Bytes => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  select: (): Bytes => [0x1b],
  f64Load: (offset = 0): Bytes => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0): Bytes => [0x39, 3, ...uleb(offset)],
  i32Const: (value: number): Bytes => [0x41, ...sleb(value)],
  f64Const: (value: number): Bytes => [0x44, ...new Uint8Array(new Float64Array([value]).buffer)],
  i32Eqz: (): Bytes => [0x45],
  i32LtS: (): Bytes => [0x48],
  i32GeS: (): Bytes => [0x4e],
  i32Add: (): Bytes => [0x6a],
  i32Sub: (): Bytes => [0x6b],
  i32Mul: (): Bytes => [0x6c],
  i32And: (): Bytes => [0x71],
  i32Shl: (): Bytes => [0x74],
  i32ShrU: (): Bytes => [0x76],
  f64Add: (): Bytes => [0xa0],
  f64Sub: (): Bytes => [0xa1],
  f64Mul: (): Bytes => [0xa2],
  f64Div: (): Bytes => [0xa3],
  f64Sqrt: (): Bytes => [0x9f],
  f64Lt: (): Bytes => [0x63],
  f64Gt: (): Bytes => [0x64],
  f64Ge: (): Bytes => [0x66],
  f64ConvertI32S: (): Bytes => [0xb7],
  f64PromoteF32: (): Bytes => [0xbb],
  f32DemoteF64: (): Bytes => [0xb6],
  v128Load: (offset = 0): Bytes => simd(0x00, 4, ...uleb(offset)),
  v128Store: (offset = 0): Bytes => simd(0x0b, 4, ...uleb(offset)),
  v128Load64Splat: (offset = 0): Bytes => simd(0x0a, 3, ...uleb(offset)),
  v128Load32Splat: (offset = 0): Bytes => simd(0x09, 2, ...uleb(offset)),
  f64x2Splat: (): Bytes => simd(0x14),
  i8x16Shuffle: (lanes: number[]): Bytes => simd(0x0d, ...lanes),
  v128Zero: (): Bytes => simd(0x0c, ...new Array<number>(16).fill(0)),
  f64x2ExtractLane: (lane: number): Bytes => simd(0x21, lane),
  f64x2Add: (): Bytes => simd(0xf0),
  f64x2Sub: (): Bytes => simd(0xf1),
  f64x2Mul: (): Bytes => simd(0xf2),
  f32x4Splat: (): Bytes => simd(0x13),
  f32x4Sqrt: (): Bytes => simd(0xe3),
  f32x4Add: (): Bytes => simd(0xe4),
  f32x4Sub: (): Bytes => simd(0xe5),
  f32x4Mul: (): Bytes => simd(0xe6),
  f32x4Div: (): Bytes => simd(0xe7),
  f32x4Lt: (): Bytes => simd(0x43),
  f32x4Gt: (): Bytes => simd(0x44),
  f32x4Ge: (): Bytes => simd(0x46),
  /** Lanes of the first operand where the mask's bits are set, of the second elsewhere. */
  v128Bitselect: (): Bytes => simd(0x52),
  /** `a * b + c` of the relaxed SIMD proposal: fused where the hardware has FMA, else rounded twice. */
  f32x4RelaxedMadd: (): Bytes => simd(0x105),
};

/** Adds the value that `by` pushes to the i32 local `local`. */
export const increment = (local: number, by: Bytes): Bytes => [...op.get(local), ...by, ...op.i32Add(), ...op.set(local)];

/** Runs `body` with the i32 local `counter` from the value `start` pushes up to (not including) the local `limit`. */
export function countedLoop(counter: number, limit: number, body: Bytes, start: Bytes = op.i32Const(0)): Bytes {
  return [
    ...start,
    ...op.set(counter),
    ...op.block(),
    ...op.loop(),
    ...op.get(counter),
    ...op.get(limit),
    ...op.i32GeS(),
    ...op.brIf(1),
    ...body,
    ...increment(counter, op.i32Const(1)),
    ...op.br(0),
    ...op.end(),
    ...op.end(),
  ];
}

/** One function of a module: parameter and local types, and its body (without the final `end`). */
export interface FunctionSpec {
  name: string;
  params: number[];
  locals: number[];
  body: Bytes;
}

/**
 * Encodes a module that imports one linear memory as `env.memory` (with at
 * least one page; shared, of at most 4 GiB, when `sharedMemory`) and exports
 * every function in `functions` by its name.
 * Functions return nothing.
 */
export function encodeModule(functions: readonly FunctionSpec[], sharedMemory = false): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector([])]);
  // memory limits: 0x00 = min only; 0x03 = shared, min and max (65536 pages, 4 GiB)
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = [[...name('env'), ...name('memory'), 0x02, ...limits]];
  const declarations = functions.map((_, i) => uleb(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const codes = functions.map((f) => {
    const locals = groupLocals(f.locals);
    const body = [...vector(locals), ...f.body, ...op.end()];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(declarations)),
    ...section(7, vector(exports)),
    ...section(10, vector(codes)),
  ]);
}

function groupLocals(types: readonly number[]): Bytes[] {
  const groups: Bytes[] = [];
  let i = 0;
  while (i < types.length) {
    let j = i;
    while (j < types.length && types[j] === types[i]) j++;
    groups.push([...uleb(j - i), types[i]]);
    i = j;
  }
  return groups;
}
