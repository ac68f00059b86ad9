/**
 * The Adam update as WebAssembly SIMD kernels that run on the memory of
 * TensorFlow.js's wasm backend. One pass, four float32 lanes at a time,
 * reads the gradient, the weights and both moments. It writes the moments in
 * place and the new weights to a separate buffer. Each lane goes through the
 * float32 operations of the tensor-op version it replaces, in the same
 * order, so the results are bit-identical to it. Two update rules exist:
 *
 * - `tfjs`, the rule of `tf.train.adam`:
 *   θ + (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε) · (−lr);
 * - `torch`, the rule of PyTorch's Adam as @bml/rgcn writes it:
 *   θ − m / (√v / √(1 − β2^t) + ε) · (lr / (1 − β1^t)).
 *
 * Both first add wd·θ to the gradient when asked (coupled L2 decay).
 */
import { ModuleCache, wasmApi, type WasmMemory } from './api.js';
import { encodeModule, F32, I32, op, V128, type Bytes } from './encoder.js';

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

/** The float32 constants of one step of the `tfjs` rule. */
export interface TfjsAdamConstants {
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

/** The float32 constants of one step of the `torch` rule. */
export interface TorchAdamConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** √(1 − β2^t). */
  sqrtBias2: number;
  epsilon: number;
  /** lr / (1 − β1^t), rounded to float32 after the division. */
  stepSize: number;
  weightDecay: number;
  /** Unused; keeps the parameter list of both rules the same. */
  unused: number;
}

/**
 * Runs the update of `entries` float32 values at `buffers` (4-byte aligned), with weight decay
 * when `decay`. The SIMD pass covers whole groups of four, and the last `entries % 4` values
 * get the same float32 operations in JavaScript.
 */
export interface AdamKernels {
  tfjs(buffers: AdamBuffers, entries: number, constants: TfjsAdamConstants, decay: boolean): void;
  torch(buffers: AdamBuffers, entries: number, constants: TorchAdamConstants, decay: boolean): void;
}

// Parameters: out, gradient, theta, m, v, byte count, then the nine constants.
const [OUT, GRAD, THETA, M, V, BYTES] = [0, 1, 2, 3, 4, 5];
const CONSTANTS = 6;
// Locals after the parameters: the byte offset, then v128 values.
const OFFSET = 15;
// The nine constants in parameter order: β1, 1 − β1, β2, 1 − β2, then C5..C8 by rule, then wd.
const [B1, C1, B2, C2, C5, C6, C7, C8, WD, G, THETA_V, M_V, V_V] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];

/** Pushes the address `base + offset`. */
const at = (base: number): Bytes => [...op.get(base), ...op.get(OFFSET), ...op.i32Add()];

type Rule = 'tfjs' | 'torch';

function kernelBody(rule: Rule, decay: boolean): Bytes {
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

  body.push(...at(OUT));
  if (rule === 'tfjs') {
    // out = (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) * (-lr) + theta
    body.push(...op.get(M_V), ...op.get(C5), ...op.f32x4Div());
    body.push(...op.get(V_V), ...op.get(C6), ...op.f32x4Div(), ...op.f32x4Sqrt(), ...op.get(C7), ...op.f32x4Add());
    body.push(...op.f32x4Div(), ...op.get(C8), ...op.f32x4Mul(), ...op.get(THETA_V), ...op.f32x4Add());
  } else {
    // out = theta - m / (sqrt(v) / sqrt(1 - b2^t) + eps) * (lr / (1 - b1^t))
    body.push(...op.get(THETA_V));
    body.push(...op.get(M_V));
    body.push(...op.get(V_V), ...op.f32x4Sqrt(), ...op.get(C5), ...op.f32x4Div(), ...op.get(C6), ...op.f32x4Add());
    body.push(...op.f32x4Div(), ...op.get(C7), ...op.f32x4Mul(), ...op.f32x4Sub());
  }
  body.push(...op.v128Store());
  body.push(...op.get(OFFSET), ...op.i32Const(16), ...op.i32Add(), ...op.set(OFFSET), ...op.br(0));
  body.push(...op.end(), ...op.end());
  return body;
}

function encodeAdamModule(shared = false): Uint8Array {
  const params = [...new Array<number>(6).fill(I32), ...new Array<number>(9).fill(F32)];
  const locals = [I32, ...new Array<number>(13).fill(V128)];
  return encodeModule([
    { name: 'tfjs', params, locals, body: kernelBody('tfjs', false) },
    { name: 'tfjsDecay', params, locals, body: kernelBody('tfjs', true) },
    { name: 'torch', params, locals, body: kernelBody('torch', false) },
    { name: 'torchDecay', params, locals, body: kernelBody('torch', true) },
  ], shared);
}

/** Float32 indices into the memory of one entry of each buffer. */
interface Lanes {
  out: number;
  g: number;
  theta: number;
  m: number;
  v: number;
}

/** Returns `x` rounded to float32, as a float32 operation rounds its result. */
const f32 = Math.fround;

/** Constants both rules share: the moment decays and the weight decay. */
type MomentConstants = Pick<TfjsAdamConstants, 'beta1' | 'oneMinusBeta1' | 'beta2' | 'oneMinusBeta2' | 'weightDecay'>;

/**
 * Updates the two moments of one entry in place, with the weight decay added to its gradient when
 * `decay` is set, and returns them: the first steps of both rules, in float32.
 */
function updateMoments(heap: Float32Array, i: Lanes, c: MomentConstants, decay: boolean): { m: number; v: number } {
  const g = decay ? f32(heap[i.g] + f32(heap[i.theta] * c.weightDecay)) : heap[i.g];
  const m = (heap[i.m] = f32(f32(heap[i.m] * c.beta1) + f32(g * c.oneMinusBeta1)));
  const v = (heap[i.v] = f32(f32(heap[i.v] * c.beta2) + f32(f32(g * g) * c.oneMinusBeta2)));
  return { m, v };
}

const kernels = new WeakMap<WasmMemory, AdamKernels>();
const modules = new ModuleCache(encodeAdamModule);

/**
 * Returns the Adam kernels bound to `memory` (the backend's exported memory, or a shared one),
 * or undefined where WebAssembly is not available.
 */
export function adamKernels(memory: WasmMemory): AdamKernels | undefined {
  if (!wasmApi) return undefined;
  const cached = kernels.get(memory);
  if (cached) return cached;
  type Run = (...args: number[]) => void;
  const exports = modules.instantiate(memory) as Record<string, Run>;
  const call = (run: Run, buffers: AdamBuffers, entries: number, constants: number[]) =>
    run(buffers.out, buffers.gradient, buffers.theta, buffers.m, buffers.v, entries * 4, ...constants);
  /** Calls `lane` for the entries after the last whole group of four, with float32 views of the memory. */
  const vectorized = (entries: number) => entries - (entries % 4);
  const tail = (buffers: AdamBuffers, entries: number, lane: (heap: Float32Array, index: Lanes) => void) => {
    const heap = new Float32Array(memory.buffer);
    for (let j = vectorized(entries); j < entries; j++) {
      const at = (address: number) => address / 4 + j;
      lane(heap, { out: at(buffers.out), g: at(buffers.gradient), theta: at(buffers.theta), m: at(buffers.m), v: at(buffers.v) });
    }
  };
  const bound: AdamKernels = {
    tfjs: (buffers, entries, c, decay) => {
      call(decay ? exports.tfjsDecay : exports.tfjs, buffers, vectorized(entries), [
        c.beta1,
        c.oneMinusBeta1,
        c.beta2,
        c.oneMinusBeta2,
        c.oneMinusAccBeta1,
        c.oneMinusAccBeta2,
        c.epsilon,
        c.negativeLearningRate,
        c.weightDecay,
      ]);
      tail(buffers, entries, (heap, i) => {
        const { m, v } = updateMoments(heap, i, c, decay);
        const denominator = f32(f32(Math.sqrt(f32(v / c.oneMinusAccBeta2))) + c.epsilon);
        const ratio = f32(f32(m / c.oneMinusAccBeta1) / denominator);
        heap[i.out] = f32(f32(ratio * c.negativeLearningRate) + heap[i.theta]);
      });
    },
    torch: (buffers, entries, c, decay) => {
      call(decay ? exports.torchDecay : exports.torch, buffers, vectorized(entries), [
        c.beta1,
        c.oneMinusBeta1,
        c.beta2,
        c.oneMinusBeta2,
        c.sqrtBias2,
        c.epsilon,
        c.stepSize,
        c.unused,
        c.weightDecay,
      ]);
      tail(buffers, entries, (heap, i) => {
        const { m, v } = updateMoments(heap, i, c, decay);
        const denominator = f32(f32(f32(Math.sqrt(v)) / c.sqrtBias2) + c.epsilon);
        heap[i.out] = f32(heap[i.theta] - f32(f32(m / denominator) * c.stepSize));
      });
    },
  };
  kernels.set(memory, bound);
  return bound;
}
