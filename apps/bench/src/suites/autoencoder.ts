import { createMatrix, median, Rng } from '@bml/core';
import type { Matrix } from '@bml/core';
import { disposeAutoencoder, fitAutoencoder } from '@bml/autoencoder';
import type { BenchCase, Suite } from '../types.js';

/** Rank of the signal in the simulated omics matrices. */
const SIGNAL_RANK = 10;
/** Standard deviation of the noise added to each entry (the signal has unit variance). */
const NOISE_SD = 0.5;

/**
 * Returns a `rows x cols` matrix of rank-{@link SIGNAL_RANK} signal plus Gaussian noise. Its entries
 * have variance about 1.25, near the scale of the z-scored features the autoencoder receives.
 */
function simulatedOmics(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const factors = Float64Array.from({ length: rows * SIGNAL_RANK }, () => rng.normal());
  const loadings = Float64Array.from({ length: SIGNAL_RANK * cols }, () => rng.normal() / Math.sqrt(SIGNAL_RANK));
  const x = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let t = 0; t < SIGNAL_RANK; t++) s += factors[i * SIGNAL_RANK + t] * loadings[t * cols + j];
      x.data[i * cols + j] = s + NOISE_SD * rng.normal();
    }
  }
  return x;
}

/** Steady-state epochs timed per run of an epoch case, after the first. */
const TIMED_EPOCHS = 3;

/**
 * Builds a case that trains 1 + {@link TIMED_EPOCHS} epochs without validation samples, with the
 * products on `threads` threads. Its metric `epochMs` is the median of the steady-state epochs
 * (all but the first). `firstEpochMs` also includes weight initialisation and the upload.
 */
function epochCase(rows: number, cols: number, threads = 1): BenchCase {
  const x = simulatedOmics(rows, cols, 1);
  return {
    name: `epoch/${rows}x${cols}${threads > 1 ? `/${threads}threads` : ''}`,
    sizes: { samples: rows, features: cols, hidden: 512, codeSize: 100, threads },
    repeats: 3,
    warmup: false,
    run: async () => {
      const marks = [performance.now()];
      const epochs = 1 + TIMED_EPOCHS;
      const model = await fitAutoencoder(x, { epochs, seed: 1, threads, onProgress: () => marks.push(performance.now()) });
      disposeAutoencoder(model);
      const steady = marks.slice(2).map((mark, i) => mark - marks[i + 1]);
      return {
        epochMs: median(steady),
        firstEpochMs: marks[1] - marks[0],
        trainLoss: model.history.trainLoss[epochs - 1],
      };
    },
  };
}

/** Builds a case that fits with early stopping on held-out rows and reports the final validation MSE. */
function fitCase(rows: number, cols: number, epochs: number): BenchCase {
  const data = simulatedOmics(rows + Math.round(rows / 4), cols, 2);
  const train = createMatrix(rows, cols, data.data.slice(0, rows * cols));
  const validation = createMatrix(data.rows - rows, cols, data.data.slice(rows * cols));
  return {
    name: `fit/${rows}x${cols}/${epochs}epochs`,
    sizes: { samples: rows, validationSamples: validation.rows, features: cols, epochs },
    repeats: 1,
    warmup: false,
    run: async () => {
      const model = await fitAutoencoder(train, { epochs, seed: 1, validation });
      const { validationLoss, bestValidationLoss, epochs: epochsRun } = model.history;
      disposeAutoencoder(model);
      return {
        finalValidationMse: validationLoss[validationLoss.length - 1] ?? Number.NaN,
        bestValidationMse: bestValidationLoss ?? Number.NaN,
        epochsRun,
      };
    },
  };
}

/** Autoencoder training speed at the omics shapes of the method, and the fit it reaches. */
export const autoencoderSuite: Suite = {
  name: 'autoencoder',
  description:
    'autoencoder epochs at 512 x 20,000 features (-> 512 -> 256 -> 100) on one and two threads, and a ' +
    '30-epoch fit at 358 x 2,000 with its validation MSE, on low-rank data plus noise',
  cases: async ({ quick }) => [
    quick ? epochCase(128, 2000) : epochCase(512, 20_000),
    quick ? epochCase(128, 2000, 2) : epochCase(512, 20_000, 2),
    fitCase(358, 2000, quick ? 3 : 30),
  ],
};
