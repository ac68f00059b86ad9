/**
 * Normalised mutual information between every pair of named label vectors,
 * for example the predicted classes of each omics on the validation samples.
 */
import { requireInput } from '@bml/core';
import type { LabelVector } from './labels.js';
import { normalizedMutualInfo, type NormalizedMutualInfoOptions } from './normalized.js';

/**
 * Computes the normalised mutual information of every pair of label vectors.
 * Keys are `"a|b"` with `a` before `b` in the key order of `labelsByName`,
 * so three names give three entries and fewer than two names give none.
 *
 * @example
 * pairwiseMutualInfo({ mrna: [0, 1, 1, 2], cnv: [0, 1, 1, 1], rppa: [0, 1, 2, 2] });
 * // { 'mrna|cnv': 0.702, 'mrna|rppa': 0.667, 'cnv|rppa': 0.702 }
 * @throws InvalidInputError when a name contains `|`, the vectors differ in length
 *   or a label is neither a finite number nor a string.
 */
export function pairwiseMutualInfo(
  labelsByName: Record<string, LabelVector>,
  options: NormalizedMutualInfoOptions = {},
): Record<string, number> {
  const names = Object.keys(labelsByName);
  for (const name of names) {
    requireInput(
      !name.includes('|'),
      `@bml/mi: name "${name}" contains "|", which separates names in the keys. Rename it.`,
    );
    const length = labelsByName[name].length;
    const first = labelsByName[names[0]].length;
    requireInput(
      length === first,
      `@bml/mi: "${name}" has ${length} labels but "${names[0]}" has ${first}. Pass one label per sample for every name.`,
    );
  }
  const result: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i];
      const b = names[j];
      result[`${a}|${b}`] = normalizedMutualInfo(labelsByName[a], labelsByName[b], options);
    }
  }
  return result;
}
