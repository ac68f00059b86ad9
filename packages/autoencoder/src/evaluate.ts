import { tf } from '@bml/core/tensor';
import { chunkRows } from './matrix-tensor.js';
import { reconstructTensor } from './network.js';
import type { NetworkShape } from './network.js';

/**
 * Returns the mean squared reconstruction error, over all samples and features, of the
 * feature-major samples `xT` (`[features, samples]`) in inference mode. The samples are processed
 * in chunks and the value is read from the backend once.
 */
export function reconstructionLoss(xT: tf.Tensor2D, shape: NetworkShape): number {
  const [features, samples] = xT.shape;
  const step = chunkRows(features);
  let sum: tf.Tensor = tf.scalar(0);
  for (let start = 0; start < samples; start += step) {
    const size = Math.min(step, samples - start);
    const previous = sum;
    sum = tf.tidy(() => {
      const chunk = samples === size ? xT : tf.slice(xT, [0, start], [features, size]);
      const output = reconstructTensor(chunk, shape, { training: false });
      return tf.add(previous, tf.sum(tf.squaredDifference(output, chunk)));
    });
    previous.dispose();
  }
  const value = sum.dataSync()[0];
  sum.dispose();
  return value / (features * samples);
}
