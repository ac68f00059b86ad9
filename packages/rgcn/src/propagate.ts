/**
 * Sparse graph propagation Â H for the GCN layer of Kipf & Welling (2017),
 * as a TensorFlow.js op with a custom gradient. Cost O(nnz * F) in time and
 * memory, against O(N^2 * F) for a dense product.
 *
 * TensorFlow.js has no sparse-dense product, and on the wasm backend
 * `tf.gather` is slow (about 60 ns per element) while `unsortedSegmentSum`
 * (the gradient of `tf.gather`) is missing. `tf.sparse.sparseSegmentSum` is
 * fast on wasm and serves twice: once with one-entry segments as a row
 * gather (H[colIdx]), once with the row index of each entry as the segment
 * to sum the weighted rows. The backward pass applies the same op with the
 * transposed matrix: d(Â H)/dH applied to dY is Âᵀ dY.
 *
 * On the wasm backend, for widths that are multiples of 4, the `propagate`
 * kernel of {@link layerKernels} replaces those ops with one SIMD pass over
 * the stored entries. It multiplies and sums in the order of the ops above,
 * so both give the same bits (tested).
 */
import { InvalidInputError, type CsrMatrix } from '@bml/core';
import { tf, wasmHeap, type WasmHeap } from '@bml/core/tensor';
import { transposeCsr, validateGraph } from './csr.js';
import { layerKernels, type LayerKernels } from './layer-kernels.js';

/** The constant tensors of one direction (Â or Âᵀ) of a prepared graph. */
interface SparseOperand {
  readonly rows: number;
  readonly nnz: number;
  /** Row index of each stored entry (ascending): the segment it is summed into. */
  readonly rowIds: tf.Tensor1D;
  /** Column index of each stored entry: the row of H it reads. */
  readonly colIdx: tf.Tensor1D;
  /** 0..nnz-1, the one-entry segments of the gather step. */
  readonly entryIds: tf.Tensor1D;
  /** Entry values as an `nnz x 1` column, broadcast over features. */
  readonly values: tf.Tensor2D;
  /** Rows after the last non-empty row, appended as zeros. */
  readonly trailingEmptyRows: number;
}

/**
 * A CSR graph uploaded once as tensors, ready for {@link propagate}. Holds
 * tensors until {@link PreparedGraph.dispose} is called.
 */
export interface PreparedGraph {
  /** Number of nodes. */
  readonly nodes: number;
  /** Number of stored entries of Â. */
  readonly nnz: number;
  /** Applies Â to an `nodes x F` tensor, differentiably. */
  readonly apply: (h: tf.Tensor2D) => tf.Tensor2D;
  /** Frees the tensors of the graph. */
  dispose(): void;
}

function uploadOperand(m: CsrMatrix): SparseOperand {
  const nnz = m.colIdx.length;
  const rowIds = new Int32Array(nnz);
  let lastRow = -1;
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.rowPtr[i]; p < m.rowPtr[i + 1]; p++) rowIds[p] = i;
    if (m.rowPtr[i + 1] > m.rowPtr[i]) lastRow = i;
  }
  const entryIds = new Int32Array(nnz);
  for (let p = 0; p < nnz; p++) entryIds[p] = p;
  return {
    rows: m.rows,
    nnz,
    rowIds: tf.tensor1d(rowIds, 'int32'),
    colIdx: tf.tensor1d(m.colIdx, 'int32'),
    entryIds: tf.tensor1d(entryIds, 'int32'),
    values: tf.tensor2d(Float32Array.from(m.values), [nnz, 1]),
    trailingEmptyRows: m.rows - (lastRow + 1),
  };
}

function disposeOperand(op: SparseOperand): void {
  tf.dispose([op.rowIds, op.colIdx, op.entryIds, op.values]);
}

/** A CSR matrix copied into the wasm backend's memory, for the `propagate` kernel. */
interface HeapOperand {
  readonly rows: number;
  /** Row pointers and column indices (int32 bits in float32 tensors) and values. */
  readonly rowPtr: tf.Tensor;
  readonly colIdx: tf.Tensor;
  readonly values: tf.Tensor;
}

function uploadHeapOperand(heap: WasmHeap, m: CsrMatrix): HeapOperand {
  const buffer = (length: number) => tf.engine().makeTensorFromTensorInfo(heap.allocate([Math.max(1, length)]));
  const rowPtr = buffer(m.rows + 1);
  const colIdx = buffer(m.colIdx.length);
  const values = buffer(m.colIdx.length);
  const bits = (tensor: tf.Tensor) => new Int32Array(heap.view(tensor).buffer, heap.address(tensor), tensor.size);
  bits(rowPtr).set(m.rowPtr);
  bits(colIdx).set(m.colIdx);
  heap.view(values).set(Float32Array.from(m.values));
  return { rows: m.rows, rowPtr, colIdx, values };
}

/** Returns Â h of the operand `op` by the kernel, as a new tensor. */
function heapSparseTimesDense(heap: WasmHeap, kernels: LayerKernels, op: HeapOperand, h: tf.Tensor): tf.Tensor2D {
  const width = h.shape[1]!;
  const out = heap.allocate([op.rows, width]);
  const address = (tensor: tf.TensorInfo) => heap.address(tensor);
  kernels.propagate({
    rowPtr: address(op.rowPtr),
    colIdx: address(op.colIdx),
    values: address(op.values),
    h: address(h),
    out: address(out),
    rows: op.rows,
    width,
  });
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** Options of {@link prepareGraph}. */
export interface PrepareGraphOptions {
  /**
   * `auto` runs the `propagate` kernel on the wasm backend for widths that are multiples of 4;
   * `tensor` always runs tensor ops. Both give the same bits. Default `auto`.
   */
  engine?: 'auto' | 'tensor';
}

/** Sparse-dense product of one operand with `h`, without gradient bookkeeping. */
function sparseTimesDense(op: SparseOperand, h: tf.Tensor2D): tf.Tensor2D {
  const features = h.shape[1];
  if (op.nnz === 0) return tf.zeros([op.rows, features]);
  const gathered = tf.sparse.sparseSegmentSum(h, op.colIdx, op.entryIds) as tf.Tensor2D;
  const weighted = tf.mul(gathered, op.values);
  const summed = tf.sparse.sparseSegmentSum(weighted, op.entryIds, op.rowIds) as tf.Tensor2D;
  if (op.trailingEmptyRows === 0) return summed;
  return tf.concat([summed, tf.zeros([op.trailingEmptyRows, features])], 0);
}

/**
 * Uploads `graph` (a square CSR matrix, usually D^-1/2 (A + I) D^-1/2) and
 * its transpose as tensors. Call `dispose()` on the result when done.
 *
 * @throws InvalidInputError when the graph is not square or is malformed (see `validateGraph`).
 */
export function prepareGraph(graph: CsrMatrix, options: PrepareGraphOptions = {}): PreparedGraph {
  if (graph.rows !== graph.cols) {
    throw new InvalidInputError(
      `@bml/rgcn: prepareGraph needs a square matrix, got ${graph.rows} x ${graph.cols}`,
      'GRAPH_NOT_SQUARE',
    );
  }
  // The kernel reads the rows its column indices name, so a malformed graph must stop here.
  validateGraph(graph, graph.rows);
  const transposed = transposeCsr(graph);
  const forward = uploadOperand(graph);
  const backward = uploadOperand(transposed);
  const tensorApply = tf.customGrad(((h: tf.Tensor2D) => ({
    value: sparseTimesDense(forward, h),
    gradFunc: (dy: tf.Tensor2D) => sparseTimesDense(backward, dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (h: tf.Tensor2D) => tf.Tensor2D;
  const heap = options.engine === 'tensor' ? undefined : wasmHeap();
  const kernels = heap ? layerKernels(heap.memory) : undefined;
  const heapOperands = heap && kernels ? [uploadHeapOperand(heap, graph), uploadHeapOperand(heap, transposed)] : undefined;
  const kernelApply =
    heap && kernels && heapOperands
      ? (tf.customGrad(((h: tf.Tensor2D) => ({
          value: heapSparseTimesDense(heap, kernels, heapOperands[0], h),
          gradFunc: (dy: tf.Tensor2D) => heapSparseTimesDense(heap, kernels, heapOperands[1], dy),
        })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (h: tf.Tensor2D) => tf.Tensor2D)
      : undefined;
  return {
    nodes: graph.rows,
    nnz: forward.nnz,
    apply: (h) => (kernelApply && h.shape[1] % 4 === 0 && h.dtype === 'float32' ? kernelApply(h) : tensorApply(h)),
    dispose() {
      disposeOperand(forward);
      disposeOperand(backward);
      if (heapOperands) tf.dispose(heapOperands.flatMap((op) => [op.rowPtr, op.colIdx, op.values]));
    },
  };
}

/**
 * Returns Â H for a prepared graph Â and node features `h` (`nodes x F`).
 * Differentiable with respect to `h`; the graph is a constant.
 */
export function propagate(graph: PreparedGraph, h: tf.Tensor2D): tf.Tensor2D {
  if (h.rank !== 2 || h.shape[0] !== graph.nodes) {
    throw new InvalidInputError(
      `@bml/rgcn: propagate needs a ${graph.nodes} x F tensor (one row per node), got shape [${h.shape.join(', ')}]`,
      'SHAPE_MISMATCH',
    );
  }
  return graph.apply(h);
}
