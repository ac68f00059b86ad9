import { summarizeIds } from '@bml/core';
import { looksLikeTcgaBarcode } from '../barcodes.js';
import { parseCellText } from '../numbers.js';
import { DownloadError } from './errors.js';
import { readTableLines } from './table-lines.js';

/** Options of {@link readXenaMatrix}. */
export interface ReadXenaMatrixOptions {
  /** URL or name of the dataset, for messages. */
  source: string;
  /** Returns whether a sample column is kept. Default: every column. */
  keepSample?: (id: string) => boolean;
}

/** The kept columns of a Xena genomic matrix (features as rows, samples as columns). */
export interface XenaMatrix {
  /** Feature names (genes, proteins) in file order. */
  featureNames: string[];
  /** Ids of the kept sample columns, in file order. */
  sampleIds: string[];
  /** One array per feature with its values over `sampleIds`; NaN marks a missing cell. */
  rows: Float64Array[];
  /** Number of sample columns in the file, kept or not. */
  columnCount: number;
}

/**
 * Reads a tab-separated Xena genomic matrix, gzipped or not: a header row
 * whose first cell names the feature column and whose other cells are TCGA
 * sample barcodes, then one row per feature. Cells are decimal numbers or
 * missing (empty, `NA`, `NaN`, `null`, `#N/A`). A file of another shape
 * raises a `DownloadError` (code `BAD_DATASET`). The shape checks reject no
 * sample columns, no TCGA barcode in the header, and a repeated sample id.
 * They also reject a row with the wrong number of cells and a kept cell
 * that is not a number.
 */
export async function readXenaMatrix(path: string, options: ReadXenaMatrixOptions): Promise<XenaMatrix> {
  const { source } = options;
  const keep = options.keepSample ?? (() => true);
  let header: string[] | undefined;
  let keptColumns: number[] = [];
  const matrix: XenaMatrix = { featureNames: [], sampleIds: [], rows: [], columnCount: 0 };

  for await (const { text, number } of readTableLines(path)) {
    if (header === undefined) {
      header = text.split('\t');
      checkHeader(header, source);
      matrix.columnCount = header.length - 1;
      keptColumns = [];
      for (let c = 1; c < header.length; c++) if (keep(header[c])) keptColumns.push(c);
      matrix.sampleIds = keptColumns.map((c) => header![c]);
      continue;
    }
    if (text === '') continue;

    const cells = text.split('\t');
    if (cells.length !== header.length) {
      throw badDataset(
        source,
        `line ${number} (${cells[0]}) has ${cells.length} cells but the header has ${header.length}`,
      );
    }
    const row = new Float64Array(keptColumns.length);
    for (let k = 0; k < keptColumns.length; k++) {
      const column = keptColumns[k];
      const value = parseCellText(cells[column]);
      if (value === undefined) {
        const where = `line ${number}, feature ${cells[0]}, sample ${header[column]}`;
        throw badDataset(source, `${where}: "${cells[column]}" is not a number`);
      }
      row[k] = value;
    }
    matrix.featureNames.push(cells[0]);
    matrix.rows.push(row);
  }

  if (header === undefined) throw badDataset(source, 'the file is empty');
  if (matrix.rows.length === 0) throw badDataset(source, 'the file has a header but no feature rows');
  return matrix;
}

function checkHeader(header: string[], source: string): void {
  const samples = header.slice(1);
  if (samples.length === 0) {
    throw badDataset(source, `the header "${header[0]}" has no sample columns (is the file tab-separated?)`);
  }
  if (!samples.some(looksLikeTcgaBarcode)) {
    throw badDataset(
      source,
      `the header lists no TCGA sample barcode (it starts ${summarizeIds(header, 4)}), so it is not a ` +
        'Xena genes x samples matrix',
    );
  }
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of samples) {
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  if (repeated.size > 0) {
    throw badDataset(source, `the header lists sample ${summarizeIds([...repeated], 5)} more than once`);
  }
}

/** Builds the error for a downloaded table that does not have the expected shape. */
export function badDataset(source: string, problem: string): DownloadError {
  return new DownloadError(
    `${source} is not the expected Xena table: ${problem}; check --base-url`,
    'BAD_DATASET',
    { details: { url: source } },
  );
}
