import { idKey } from '../barcodes.js';
import { parseCellText } from '../numbers.js';
import { badDataset } from './xena-matrix.js';
import { readTableLines } from './table-lines.js';
import {
  CLINICAL_ID_COLUMN,
  NORMAL_LIKE,
  PAM50_CLASS_NAMES,
  PAM50_COLUMN,
  PRIMARY_TUMOUR_TYPE,
} from './xena-brca-datasets.js';

/** Options of {@link readPam50Labels}. */
export interface ReadPam50Options {
  /** URL or name of the clinical matrix, for messages. */
  source: string;
  /** Keep samples called Normal-like. Default false: they are left out, as in the 4-class PAM50 setting. */
  includeNormalLike?: boolean;
}

/** PAM50 classes of primary tumours, with counts of what was left out. */
export interface Pam50Labels {
  /** Class name per sample barcode, for primary tumours with a PAM50 call. */
  labels: Map<string, string>;
  /** Data rows of the clinical matrix. */
  rows: number;
  /** Rows whose barcode has sample type 01 (primary solid tumour). */
  primaryTumours: number;
  /** Primary tumours with a PAM50 call, Normal-like included. */
  called: number;
  /** Primary tumours called Normal-like and left out (0 when they are kept). */
  normalLikeLeftOut: number;
}

/**
 * Reads the PAM50 calls from a Xena clinical matrix (tab-separated,
 * gzipped or not): the sample barcode from the `sampleID` column (the first
 * column when there is none) and the call from `PAM50Call_RNAseq`. Keeps
 * primary tumours (sample type 01) with a call and renames the calls
 * (`LumA` becomes `Luminal A`, and so on). Throws a `DownloadError` (code
 * `BAD_DATASET`) when the PAM50 column is missing, a call is not a PAM50
 * class, or a sample has two different calls.
 */
export async function readPam50Labels(path: string, options: ReadPam50Options): Promise<Pam50Labels> {
  const { source } = options;
  const result: Pam50Labels = { labels: new Map(), rows: 0, primaryTumours: 0, called: 0, normalLikeLeftOut: 0 };
  let idColumn = -1;
  let callColumn = -1;

  for await (const { text, number } of readTableLines(path)) {
    const cells = text.split('\t');
    if (callColumn < 0) {
      callColumn = cells.indexOf(PAM50_COLUMN);
      if (callColumn < 0) {
        throw badDataset(source, `the header has no ${PAM50_COLUMN} column (it starts ${cells.slice(0, 4).join(', ')})`);
      }
      idColumn = Math.max(0, cells.indexOf(CLINICAL_ID_COLUMN));
      continue;
    }
    if (text === '') continue;

    result.rows++;
    const id = cells[idColumn].trim();
    if (idKey(id, 'sample').sampleType !== PRIMARY_TUMOUR_TYPE) continue;
    result.primaryTumours++;
    const call = (cells[callColumn] ?? '').trim();
    if (Number.isNaN(parseCellText(call))) continue;

    const name = className(call);
    if (name === undefined) {
      const known = Object.keys(PAM50_CLASS_NAMES).join(', ');
      throw badDataset(source, `line ${number}, sample ${id}: "${call}" is not a PAM50 call (expected ${known})`);
    }
    result.called++;
    if (name === NORMAL_LIKE && !options.includeNormalLike) {
      result.normalLikeLeftOut++;
      continue;
    }
    const earlier = result.labels.get(id);
    if (earlier !== undefined && earlier !== name) {
      throw badDataset(source, `sample ${id} is listed twice, as ${earlier} and as ${name}`);
    }
    result.labels.set(id, name);
  }

  if (callColumn < 0) throw badDataset(source, 'the file is empty');
  return result;
}

/** Returns the class name of a PAM50 call, short (`LumA`) or long (`Luminal A`), or `undefined`. */
function className(call: string): string | undefined {
  if (Object.hasOwn(PAM50_CLASS_NAMES, call)) return PAM50_CLASS_NAMES[call];
  return Object.values(PAM50_CLASS_NAMES).find((name) => name.toLowerCase() === call.toLowerCase());
}
