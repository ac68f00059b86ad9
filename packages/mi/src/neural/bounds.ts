/**
 * The InfoNCE and Donsker-Varadhan bounds as differentiable functions of
 * critic outputs, for use inside a TensorFlow.js training loop.
 */
import { tf } from '@bml/core/tensor';

/**
 * Computes the InfoNCE loss (van den Oord et al. 2018, "Representation
 * learning with contrastive predictive coding") of a B x B score matrix whose
 * entry (i, j) is the critic f(x_i, y_j), the diagonal holding the paired
 * samples: L = -mean_i [ f(x_i, y_i) - log sum_j exp f(x_i, y_j) ].
 * The lower bound on the mutual information is I >= log B - L, in nats, and
 * since L >= 0 it never exceeds log B.
 *
 * @returns a scalar tensor; minimise it to tighten the bound.
 */
export function infoNceLoss(scores: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const size = scores.shape[0];
    const paired = tf.sum(tf.mul(scores, tf.eye(size)), 1);
    return tf.mean(tf.sub(tf.logSumExp(scores, 1), paired)) as tf.Scalar;
  });
}

/**
 * Computes the Donsker-Varadhan lower bound (Belghazi et al. 2018, "Mutual
 * information neural estimation") from critic values T on samples of the
 * joint distribution and on samples of the product of the marginals:
 * I >= mean(T_joint) - log mean(exp(T_marginal)), in nats. The log-mean-exp
 * is evaluated stably through log-sum-exp.
 *
 * @returns a scalar tensor; maximise it to tighten the bound.
 */
export function dvBound(joint: tf.Tensor, marginal: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const flat = tf.reshape(marginal, [-1]);
    const logMeanExp = tf.sub(tf.logSumExp(flat), Math.log(flat.shape[0]));
    return tf.sub(tf.mean(joint), logMeanExp) as tf.Scalar;
  });
}

/**
 * Computes MINE's surrogate loss with bias-corrected gradients (Belghazi et
 * al. 2018, section 3.2): -(mean(T_joint) - mean(exp(T_marginal)) / m), where
 * m = exp(`logMovingAverage`) is a moving average of mean(exp(T_marginal))
 * over past batches, held constant. Its gradient is the Donsker-Varadhan
 * gradient with the minibatch denominator replaced by m, which removes most
 * of the minibatch bias. The value itself is not a bound, so report
 * {@link dvBound} instead.
 */
export function mineBiasCorrectedLoss(
  joint: tf.Tensor,
  marginal: tf.Tensor,
  logMovingAverage: number,
): tf.Scalar {
  return tf.tidy(() => {
    const scaled = tf.mean(tf.exp(tf.sub(marginal, logMovingAverage)));
    return tf.neg(tf.sub(tf.mean(joint), scaled)) as tf.Scalar;
  });
}
