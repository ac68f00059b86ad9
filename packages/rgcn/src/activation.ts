/**
 * LeakyReLU with a custom gradient. On the wasm backend the gradient of
 * `tf.leakyRelu` builds a boolean mask with `greater` and `where`, about 3.5x
 * slower than this form, which uses only `relu` and `step`:
 *
 *   f(x) = a·x + (1 − a)·relu(x),   f'(x) = a + (1 − a)·step(x)
 *
 * (step(0) = 0, so the derivative at 0 is a, as in `tf.leakyRelu`).
 */
import { tf } from '@bml/core/tensor';

const cache = new Map<number, (x: tf.Tensor2D) => tf.Tensor2D>();

function build(slope: number): (x: tf.Tensor2D) => tf.Tensor2D {
  const f = (x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([x]);
    const value = tf.add(tf.mul(x, slope), tf.mul(tf.relu(x), 1 - slope));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.add(tf.mul(tf.step(saved[0]), 1 - slope), slope));
    return { value, gradFunc };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
}

/** Returns LeakyReLU(x): x where x > 0, slope·x elsewhere; differentiable. */
export function leakyRelu(x: tf.Tensor2D, slope: number): tf.Tensor2D {
  let op = cache.get(slope);
  if (!op) {
    op = build(slope);
    cache.set(slope, op);
  }
  return op(x);
}
