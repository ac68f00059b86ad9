/**
 * Mutual information between every pair of named variables, for example the
 * predicted classes (and class probabilities) of each omics on the
 * validation samples.
 */
import { requireInput, type Matrix } from '@bml/core';
import { informationCoefficient } from './information-coefficient.js';
import { asMatrix, type ContinuousInput } from './input.js';
import { ksgMutualInfo, type KsgOptions } from './ksg.js';
import type { LabelVector } from './labels.js';
import { mutualInformation } from './mutual-information.js';
import { normalizedMutualInfo, type NormalizedMutualInfoOptions } from './normalized.js';
import { fromNats, readPlugInOptions, type LogBase } from './units.js';

/** Checks that no name contains the key separator `|` and that every label vector has the same length. */
function requirePairableLabels(labelsByName: Record<string, LabelVector>): void {
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
}

/** Calls `visit` for every pair of names, `a` before `b` in key order, with the key `"a|b"`. */
function forEachPair(names: string[], visit: (key: string, a: string, b: string) => void): void {
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) visit(`${names[i]}|${names[j]}`, names[i], names[j]);
  }
}

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
  requirePairableLabels(labelsByName);
  const result: Record<string, number> = {};
  forEachPair(Object.keys(labelsByName), (key, a, b) => {
    result[key] = normalizedMutualInfo(labelsByName[a], labelsByName[b], options);
  });
  return result;
}

/** Options of {@link pairwiseInformation}. */
export interface PairwiseInformationOptions {
  /**
   * A continuous representation of each name (samples as rows, the samples of the label vectors in
   * the same order), for the KSG estimate. Default none, which leaves `ksg` null.
   */
  representations?: Record<string, ContinuousInput>;
  /** Base of the logarithm of `mi` and `ksg`: `'e'` for nats, `2` for bits. Default `'e'`. */
  base?: LogBase;
  /** Options of the KSG estimator, apart from `base`. Default `{}` (k = 3). */
  ksg?: Omit<KsgOptions, 'base'>;
}

/** Mutual information of one pair of variables, on labels and on representations. */
export interface PairInformation {
  /** Normalised mutual information of the label vectors (arithmetic mean of the entropies), in [0, 1]. */
  nmi: number;
  /** Plug-in mutual information of the label vectors, in nats (bits with `base: 2`). */
  mi: number;
  /**
   * KSG estimate between the representations, in the unit of `mi`. Null without representations or
   * with at most k samples. It may be slightly negative.
   */
  ksg: number | null;
  /** Information coefficient sqrt(1 - exp(-2 I)) of the KSG estimate I in nats, in [0, 1]; null with `ksg`. */
  ksgCoefficient: number | null;
}

/**
 * Computes the normalised and plug-in mutual information of every pair of
 * label vectors and, when representations are given, the KSG estimate
 * between the pair's representations with its information coefficient.
 * Keys are `"a|b"` as in {@link pairwiseMutualInfo}.
 *
 * @example
 * pairwiseInformation({ mrna: [0, 1, 1, 0], cnv: [0, 1, 1, 1] });
 * // { 'mrna|cnv': { nmi: 0.344, mi: 0.216, ksg: null, ksgCoefficient: null } }
 * @throws InvalidInputError when a name contains `|`, the label vectors or representations differ in
 *   length, the representations do not have the names of the labels, or a value is invalid.
 */
export function pairwiseInformation(
  labelsByName: Record<string, LabelVector>,
  options: PairwiseInformationOptions = {},
): Record<string, PairInformation> {
  const { representations, ksg = {} } = options;
  const { base } = readPlugInOptions({ base: options.base });
  const names = Object.keys(labelsByName);
  requirePairableLabels(labelsByName);
  const matrices = representations && names.map((name) => representationOf(representations, name));
  if (matrices && names.length > 0) {
    const samples = labelsByName[names[0]].length;
    matrices.forEach((m, i) =>
      requireInput(
        m.rows === samples,
        `@bml/mi: the representation of "${names[i]}" has ${m.rows} rows but there are ${samples} labels. ` +
          'Pass one row per labelled sample.',
      ),
    );
  }
  const k = ksg.k ?? 3;
  const result: Record<string, PairInformation> = {};
  forEachPair(names, (key, a, b) => {
    const nmi = normalizedMutualInfo(labelsByName[a], labelsByName[b]);
    const mi = mutualInformation(labelsByName[a], labelsByName[b], { base });
    let ksgNats: number | null = null;
    if (matrices && matrices[0].rows > k) {
      ksgNats = ksgMutualInfo(matrices[names.indexOf(a)], matrices[names.indexOf(b)], { ...ksg, base: 'e' });
    }
    result[key] = {
      nmi,
      mi,
      ksg: ksgNats === null ? null : fromNats(ksgNats, base),
      ksgCoefficient: ksgNats === null ? null : informationCoefficient(ksgNats),
    };
  });
  return result;
}

function representationOf(representations: Record<string, ContinuousInput>, name: string): Matrix {
  const representation = representations[name];
  requireInput(
    representation !== undefined,
    `@bml/mi: no representation for "${name}". Pass one for every name of the label vectors, or none.`,
  );
  return asMatrix(representation);
}
