import { requireInput } from '@bml/core';
import { DEFAULT_CODE_SIZE } from './options.js';
import type { ArchitectureOptions } from './options.js';

/** Layer widths of an autoencoder. */
export interface AutoencoderArchitecture {
  /** Number of input features. */
  inputDim: number;
  /** Widths of the encoder's hidden layers, input side first. */
  hidden: number[];
  /** Width of the code layer. */
  codeSize: number;
  /** Widths from the input to the code: `[inputDim, ...hidden, codeSize]`. */
  encoder: number[];
  /** Widths from the code to the output: `[codeSize, ...hidden reversed, inputDim]`. */
  decoder: number[];
}

/** Input widths above this get two hidden layers by default. */
const WIDE_INPUT = 1000;
/** Hidden widths of the encoder for wide inputs. */
const WIDE_HIDDEN = [512, 256];

function defaultHidden(inputDim: number, codeSize: number): number[] {
  if (inputDim > WIDE_INPUT) {
    const wide = WIDE_HIDDEN.filter((width) => width > codeSize && width < inputDim);
    if (wide.length > 0) return wide;
  }
  return [Math.floor((inputDim + codeSize) / 2)];
}

/**
 * Returns the layer widths an autoencoder would use for `inputDim` features.
 *
 * Unless `hidden` is given, an input of more than 1,000 features gets the hidden widths 512 and 256
 * (leaving out those not larger than `codeSize`), and a narrower one gets the single hidden width
 * `floor((inputDim + codeSize) / 2)`. The decoder mirrors the encoder. The input must have more
 * features than `codeSize`.
 */
export function architecture(inputDim: number, options: ArchitectureOptions = {}): AutoencoderArchitecture {
  const codeSize = options.codeSize ?? DEFAULT_CODE_SIZE;
  requireInput(
    Number.isInteger(codeSize) && codeSize >= 1,
    `@bml/autoencoder: codeSize must be an integer >= 1 (got ${codeSize}); pass a whole number`,
    'INVALID_OPTION',
    { option: 'codeSize', value: codeSize },
  );
  requireInput(
    Number.isInteger(inputDim) && inputDim > codeSize,
    `@bml/autoencoder: the input needs more features than codeSize (features = ${inputDim}, ` +
      `codeSize = ${codeSize}); use the features directly (reduceOmics does) or lower codeSize`,
    'TOO_FEW_FEATURES',
    { inputDim, codeSize },
  );
  const hidden = options.hidden ? [...options.hidden] : defaultHidden(inputDim, codeSize);
  for (const width of hidden) {
    requireInput(
      Number.isInteger(width) && width >= 1,
      `@bml/autoencoder: every hidden width must be an integer >= 1 (got [${hidden.join(', ')}]); ` +
        'fix the hidden option',
      'INVALID_OPTION',
      { option: 'hidden', value: hidden },
    );
  }
  return {
    inputDim,
    hidden,
    codeSize,
    encoder: [inputDim, ...hidden, codeSize],
    decoder: [codeSize, ...[...hidden].reverse(), inputDim],
  };
}
