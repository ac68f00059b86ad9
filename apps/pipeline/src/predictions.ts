import type { PredictionRow } from './types.js';

/** Quotes a CSV field when it contains a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Formats `predictions.csv`: `sample,repeat,set,true,predicted` and one
 * `prob:<class>` column per class.
 */
export function formatPredictions(rows: readonly PredictionRow[], classNames: readonly string[]): string {
  const header = ['sample', 'repeat', 'set', 'true', 'predicted', ...classNames.map((c) => `prob:${c}`)];
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) {
    const fields = [row.sample, String(row.repeat), row.set, row.truth, row.predicted].map(csvField);
    for (const p of row.prob) fields.push(p.toPrecision(6));
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}
