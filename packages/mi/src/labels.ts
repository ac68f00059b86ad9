/**
 * Label vectors: one class or cluster label per sample, numbers or strings.
 */
import { InvalidInputError, requireInput } from '@bml/core';

/** One label per sample. Numbers and strings are distinct labels, so `1` and `'1'` differ. */
export type Label = number | string;

/** A label vector: one label per sample. */
export type LabelVector = ArrayLike<Label>;

/** A label vector recoded as integers 0..classes-1 in sorted order of the distinct labels. */
export interface EncodedLabels {
  /** Integer code of each sample's label. */
  codes: Int32Array;
  /** Distinct labels, sorted (numbers ascending, then strings in code-unit order), which `codes` index. */
  labels: Label[];
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * Recodes a label vector as integers.
 *
 * @param name - name of the argument, used in error messages
 * @throws InvalidInputError when a label is neither a finite number nor a string.
 */
export function encodeLabels(values: LabelVector, name = 'labels'): EncodedLabels {
  const seen = new Map<Label, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const valid = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    if (!valid) {
      throw new InvalidInputError(
        `@bml/mi: ${name}[${i}] is ${String(value)}, which is not a label. Pass finite numbers or strings.`,
      );
    }
    if (!seen.has(value)) seen.set(value, 0);
  }
  const labels = [...seen.keys()].sort(compareLabels);
  labels.forEach((label, index) => seen.set(label, index));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = seen.get(values[i]) as number;
  return { codes, labels };
}

/** Throws unless the two label vectors have one label per sample each. */
export function requireSameLength(a: LabelVector, b: LabelVector): void {
  requireInput(
    a.length === b.length,
    `@bml/mi: label vectors differ in length (a: ${a.length}, b: ${b.length}). Pass one label per sample in both.`,
    'LENGTH_MISMATCH',
    { a: a.length, b: b.length },
  );
}
