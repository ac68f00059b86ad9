import type { Rng } from '@bml/core';

/**
 * Shuffles the row indices `0..rows-1` with `rng` and cuts them into batches of `batchSize`.
 * A final batch of a single row is merged into the one before it, because BatchNorm cannot
 * estimate a variance from one row.
 */
export function shuffledBatches(rows: number, batchSize: number, rng: Rng): Int32Array[] {
  const order = rng.shuffle(Array.from({ length: rows }, (_, i) => i));
  const batches: Int32Array[] = [];
  for (let start = 0; start < rows; start += batchSize) {
    let end = Math.min(rows, start + batchSize);
    if (rows - end === 1) end = rows;
    batches.push(Int32Array.from(order.slice(start, end)));
    if (end === rows) break;
  }
  return batches;
}
