/**
 * The Adam update as a WebAssembly SIMD kernel that runs on the memory of
 * TensorFlow.js's wasm backend. One pass, four float32 lanes at a time,
 * reads the gradient, the weights and both moments. It writes the moments in
 * place and the new weights to a separate buffer. Each lane goes through
 * the float32 operations of `tf.train.adam`, in its order, so the results
 * are bit-identical to it.
 */
import { encodeModule, F32, I32, op, V128, wasmApi, type Bytes, type WasmMemory } from '@bml/core/wasm';

/** Byte addresses in the backend's memory of one variable's update. */
export interface AdamBuffers {
  /** New weights (written). */
  out: number;
  /** Gradient. */
  gradient: number;
  /** Current weights. */
  theta: number;
  /** First moment (read and written). */
  m: number;
  /** Second moment (read and written). */
  v: number;
}

/** The float32 constants of one step. */
export interface AdamConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** 1 - β1^t. */
  oneMinusAccBeta1: number;
  /** 1 - β2^t. */
  oneMinusAccBeta2: number;
  epsilon: number;
  negativeLearningRate: number;
  weightDecay: number;
}

/** Runs the update of `entries` float32 values (a multiple of 4) at `buffers`, with weight decay when `decay`. */
export type AdamKernel = (buffers: AdamBuffers, entries: number, constants: AdamConstants, decay: boolean) => void;

// Parameters: out, gradient, theta, m, v, byte count, then the nine constants.
const [OUT, GRAD, THETA, M, V, BYTES] = [0, 1, 2, 3, 4, 5];
const CONSTANTS = 6;
// Locals after the parameters: the byte offset, then v128 values.
const OFFSET = 15;
const [B1, C1, B2, C2, OMA1, OMA2, EPS, NEG_LR, WD, G, THETA_V, M_V, V_V] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];

/** Pushes the address `base + offset`. */
const at = (base: number): Bytes => [...op.get(base), ...op.get(OFFSET), ...op.i32Add()];

function kernelBody(decay: boolean): Bytes {
  const body: Bytes = [];
  // Splat the nine float32 constants into v128 locals B1..WD.
  for (let k = 0; k < 9; k++) body.push(...op.get(CONSTANTS + k), ...op.f32x4Splat(), ...op.set(B1 + k));
  body.push(...op.i32Const(0), ...op.set(OFFSET));
  body.push(...op.block(), ...op.loop());
  body.push(...op.get(OFFSET), ...op.get(BYTES), ...op.i32GeS(), ...op.brIf(1));
  // theta and g (+ wd * theta)
  body.push(...at(THETA), ...op.v128Load(), ...op.set(THETA_V));
  body.push(...at(GRAD), ...op.v128Load());
  if (decay) body.push(...op.get(THETA_V), ...op.get(WD), ...op.f32x4Mul(), ...op.f32x4Add());
  body.push(...op.set(G));
  // m = b1 * m + (1 - b1) * g
  body.push(...at(M));
  body.push(...at(M), ...op.v128Load(), ...op.get(B1), ...op.f32x4Mul());
  body.push(...op.get(G), ...op.get(C1), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.tee(M_V), ...op.v128Store());
  // v = b2 * v + (1 - b2) * g^2
  body.push(...at(V));
  body.push(...at(V), ...op.v128Load(), ...op.get(B2), ...op.f32x4Mul());
  body.push(...op.get(G), ...op.get(G), ...op.f32x4Mul(), ...op.get(C2), ...op.f32x4Mul(), ...op.f32x4Add());
  body.push(...op.tee(V_V), ...op.v128Store());
  // out = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) * (-lr) + theta
  body.push(...at(OUT));
  body.push(...op.get(M_V), ...op.get(OMA1), ...op.f32x4Div());
  body.push(...op.get(V_V), ...op.get(OMA2), ...op.f32x4Div(), ...op.f32x4Sqrt(), ...op.get(EPS), ...op.f32x4Add());
  body.push(...op.f32x4Div(), ...op.get(NEG_LR), ...op.f32x4Mul(), ...op.get(THETA_V), ...op.f32x4Add());
  body.push(...op.v128Store());
  body.push(...op.get(OFFSET), ...op.i32Const(16), ...op.i32Add(), ...op.set(OFFSET), ...op.br(0));
  body.push(...op.end(), ...op.end());
  return body;
}

function encodeAdamModule(): Uint8Array {
  const params = [...new Array<number>(6).fill(I32), ...new Array<number>(9).fill(F32)];
  const locals = [I32, ...new Array<number>(13).fill(V128)];
  return encodeModule([
    { name: 'adam', params, locals, body: kernelBody(false) },
    { name: 'adamDecay', params, locals, body: kernelBody(true) },
  ]);
}

const kernels = new WeakMap<WasmMemory, AdamKernel>();
let compiled: object | undefined;

/**
 * Returns the Adam kernel bound to `memory` (the backend's exported memory),
 * or undefined where WebAssembly is not available.
 */
export function adamKernel(memory: WasmMemory): AdamKernel | undefined {
  if (!wasmApi) return undefined;
  const cached = kernels.get(memory);
  if (cached) return cached;
  compiled ??= new wasmApi.Module(encodeAdamModule());
  const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports as Record<
    'adam' | 'adamDecay',
    (...args: number[]) => void
  >;
  const kernel: AdamKernel = (buffers, entries, c, decay) => {
    const run = decay ? exports.adamDecay : exports.adam;
    run(
      buffers.out,
      buffers.gradient,
      buffers.theta,
      buffers.m,
      buffers.v,
      entries * 4,
      c.beta1,
      c.oneMinusBeta1,
      c.beta2,
      c.oneMinusBeta2,
      c.oneMinusAccBeta1,
      c.oneMinusAccBeta2,
      c.epsilon,
      c.negativeLearningRate,
      c.weightDecay,
    );
  };
  kernels.set(memory, kernel);
  return kernel;
}
