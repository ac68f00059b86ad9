/**
 * Bias, LeakyReLU and dropout of an r-GCN layer as one op with a
 * hand-written gradient, run by the `activate` kernels of
 * {@link layerKernels} over the wasm backend's memory.
 *
 * As tensor ops the three steps take 10 ops forward and about 8 backward,
 * each with a fixed cost on the wasm backend, and autodiff copies the
 * tensors it saves. The kernels repeat the float32 arithmetic of those ops
 * (see `layer-kernels.ts`), and the dropout draws come from the generator
 * of `tf.randomUniform` with the seed `tf.dropout` would get, so both paths
 * give the same bits (tested).
 */
import { tf, type WasmHeap } from '@bml/core/tensor';
import seedrandom from 'seedrandom';
import { layerKernels, type ActivateBuffers } from './layer-kernels.js';

/** Options of {@link fusedActivation}. */
export interface FusedActivationOptions {
  /** LeakyReLU slope for negative inputs. */
  slope: number;
  /** Dropout rate; 0 for none. */
  dropout: number;
  /** Seed of the dropout draws, as `tf.dropout` takes it. */
  seed: number;
}

function allocate(heap: WasmHeap, shape: number[]): { info: tf.TensorInfo; tensor: () => tf.Tensor } {
  const info = heap.allocate(shape);
  return { info, tensor: () => tf.engine().makeTensorFromTensorInfo(info) };
}

/**
 * Tells whether {@link fusedActivation} runs for a layer of `width` columns on `heap`: the kernels
 * take widths that are multiples of 4, and need WebAssembly SIMD.
 */
export function fusedActivationRuns(heap: WasmHeap | undefined, width: number): heap is WasmHeap {
  return heap !== undefined && width % 4 === 0 && layerKernels(heap.memory) !== undefined;
}

/**
 * Returns `dropout(LeakyReLU(z + bias))` for `z` of shape `[rows, width]` and `bias` of shape
 * `[width]`, differentiable in both. Call only where {@link fusedActivationRuns}.
 */
export function fusedActivation(heap: WasmHeap, z: tf.Tensor2D, bias: tf.Tensor1D, options: FusedActivationOptions): tf.Tensor2D {
  const kernels = layerKernels(heap.memory)!;
  const [rows, width] = z.shape;
  const { slope, dropout } = options;
  const keep = 1 - dropout;
  const op = tf.customGrad(((x: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const out = allocate(heap, [rows, width]);
    const mask = dropout > 0 ? allocate(heap, [rows, width]) : undefined;
    if (mask) {
      const draws = heap.view(mask.info);
      const random = seedrandom.alea(String(options.seed));
      for (let i = 0; i < draws.length; i++) draws[i] = random();
    }
    const buffers: ActivateBuffers = {
      z: heap.address(x),
      bias: heap.address(b),
      mask: mask ? heap.address(mask.info) : 0,
      out: heap.address(out.info),
      rows,
      width,
    };
    kernels.activate(buffers, slope, keep);
    // The backward pass computes z + b again from the saved inputs.
    save(mask ? [x, b, mask.tensor()] : [x, b]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const dt = allocate(heap, [rows, width]);
      const dBias = allocate(heap, [width]);
      const at = { ...buffers, z: heap.address(saved[0]), bias: heap.address(saved[1]), mask: mask ? heap.address(saved[2]) : 0 };
      kernels.activateBackward(at, heap.address(dy), heap.address(dt.info), heap.address(dBias.info), slope);
      return [dt.tensor(), dBias.tensor()];
    };
    return { value: out.tensor(), gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(z, bias) as tf.Tensor2D;
}
