/**
 * Checks on the rows of a loaded omics that are legal but often mean a
 * mistake: samples with identical rows (a sample copied under two ids) and
 * rows of zeros (often a placeholder for missing data). Both are reported,
 * not changed, because both can be genuine measurements.
 */
import { summarizeIds, type BmlWarning, type Matrix } from '@bml/core';
import { plural } from './grammar.js';

/**
 * Returns `IDENTICAL_ROWS` and `ZERO_ROWS` warnings for the present rows of
 * `values`, named by `sampleIds`. NaN cells compare equal to NaN cells, and
 * a zero row has no missing cell.
 */
export function checkRows(
  name: string,
  values: Matrix,
  present: Uint8Array,
  sampleIds: readonly string[],
): BmlWarning[] {
  const warnings: BmlWarning[] = [];
  const groups = identicalRowGroups(values, present);
  if (groups.length > 0) {
    const described = groups.map((rows) => rows.map((i) => sampleIds[i]).join(' = '));
    warnings.push({
      code: 'IDENTICAL_ROWS',
      message:
        `${name}: ${plural(groups.length, 'group')} of samples with identical rows (${summarizeIds(described, 5)}); ` +
        'they are at distance 0 from each other in the similarity network, which is correct only if they ' +
        'really are the same measurement; check for a sample copied under another id',
      ids: groups.flat().map((i) => sampleIds[i]),
    });
  }
  const zeros = zeroRows(values, present).map((i) => sampleIds[i]);
  if (zeros.length > 0) {
    warnings.push({
      code: 'ZERO_ROWS',
      message:
        `${name}: ${plural(zeros.length, 'sample')} with every value 0 (${summarizeIds(zeros, 8)}); if 0 stands ` +
        'for missing data, write empty cells or NA instead, so that the sample counts as lacking this omics',
      ids: zeros,
    });
  }
  return warnings;
}

/** Groups (of two or more rows, ascending) of present rows with identical values. */
function identicalRowGroups(values: Matrix, present: Uint8Array): number[][] {
  const { rows, cols, data } = values;
  if (cols === 0) return [];
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
  const byHash = new Map<number, number[][]>();
  for (let i = 0; i < rows; i++) {
    if (!present[i]) continue;
    const hash = hashRow(words, i * cols * 2, cols * 2);
    const candidates = byHash.get(hash);
    if (candidates === undefined) {
      byHash.set(hash, [[i]]);
      continue;
    }
    const group = candidates.find((g) => sameRow(data, g[0] * cols, i * cols, cols));
    if (group) group.push(i);
    else candidates.push([i]);
  }
  const groups: number[][] = [];
  for (const candidates of byHash.values()) for (const g of candidates) if (g.length > 1) groups.push(g);
  return groups.sort((a, b) => a[0] - b[0]);
}

/** FNV-1a over 32-bit words; any NaN is hashed as one fixed pattern. */
function hashRow(words: Uint32Array, start: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < length; k += 2) {
    let low = words[start + k];
    let high = words[start + k + 1];
    if ((high & 0x7ff00000) === 0x7ff00000 && ((high & 0xfffff) !== 0 || low !== 0)) {
      low = 0;
      high = 0x7ff80000;
    }
    // -0 and 0 are equal values, so they hash alike.
    if (low === 0 && high === 0x80000000) high = 0;
    hash = Math.imul(hash ^ low, 0x01000193);
    hash = Math.imul(hash ^ high, 0x01000193);
  }
  return hash >>> 0;
}

function sameRow(data: Float64Array, a: number, b: number, cols: number): boolean {
  for (let j = 0; j < cols; j++) {
    const x = data[a + j];
    const y = data[b + j];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

function zeroRows(values: Matrix, present: Uint8Array): number[] {
  const { rows, cols, data } = values;
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (!present[i]) continue;
    let allZero = cols > 0;
    for (let j = 0; j < cols && allZero; j++) allZero = data[i * cols + j] === 0;
    if (allZero) out.push(i);
  }
  return out;
}
