import type { Suite } from '../types.js';
import { autoencoderSuite } from './autoencoder.js';
import { e2eSuite } from './e2e.js';
import { miSuite } from './mi.js';
import { snfSuite } from './snf.js';
import { trainSuite } from './train.js';

/** Every suite, by command-line name. */
export const suites: Record<string, Suite> = {
  [e2eSuite.name]: e2eSuite,
  [trainSuite.name]: trainSuite,
  [autoencoderSuite.name]: autoencoderSuite,
  [miSuite.name]: miSuite,
  [snfSuite.name]: snfSuite,
};
