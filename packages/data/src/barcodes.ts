/**
 * Matching sample ids, including TCGA barcodes at sample or patient level.
 *
 * A TCGA barcode reads `TCGA-<TSS>-<participant>-<sample type><vial>-...`,
 * for example `TCGA-A2-A0T2-01A-11R-A084-07`; parts may also be separated by
 * dots (`TCGA.A2.A0T2.01`). The first three parts name the patient. The two
 * digits of the fourth part are the sample type (01 primary tumour, 11 solid
 * tissue normal, ...).
 */

/** Id matching mode between omics files and labels: whole ids, or TCGA barcodes cut to sample or patient. */
export type IdMatch = 'exact' | 'sample' | 'patient';

/** The matching key of one id. */
export interface IdKey {
  /** Key compared between files. */
  key: string;
  /** Two-digit TCGA sample type, when the id has one. */
  sampleType?: string;
}

/** Names of common TCGA sample-type codes, for messages. */
export const SAMPLE_TYPE_NAMES: Readonly<Record<string, string>> = {
  '01': 'primary solid tumour',
  '02': 'recurrent solid tumour',
  '03': 'primary blood-derived cancer',
  '05': 'additional new primary',
  '06': 'metastatic',
  '07': 'additional metastatic',
  '10': 'blood-derived normal',
  '11': 'solid tissue normal',
  '12': 'buccal cell normal',
};

const SEPARATOR = /[-.]/;
const SAMPLE_TYPE_DIGITS = /^(\d\d)/;

/**
 * Computes the key of `id`. `exact` keeps the id. `sample` keeps the first
 * four barcode parts with the vial letter removed and `-` as separator
 * (`TCGA.A2.A0T2.01A` -> `TCGA-A2-A0T2-01`); `patient` keeps the first three.
 * Ids with fewer than three parts are kept as they are.
 */
export function idKey(id: string, mode: IdMatch): IdKey {
  if (mode === 'exact') return { key: id };
  const parts = id.split(SEPARATOR);
  if (parts.length < 3) return { key: id };
  const patient = parts.slice(0, 3).join('-');
  const typeMatch = parts.length >= 4 ? SAMPLE_TYPE_DIGITS.exec(parts[3]) : null;
  const sampleType = typeMatch ? typeMatch[1] : undefined;
  if (mode === 'patient') return sampleType === undefined ? { key: patient } : { key: patient, sampleType };
  if (sampleType === undefined) return { key: patient };
  return { key: `${patient}-${sampleType}`, sampleType };
}

/** Returns whether `id` looks like a TCGA barcode (starts with `TCGA` and has at least three parts). */
export function looksLikeTcgaBarcode(id: string): boolean {
  const parts = id.split(SEPARATOR);
  return parts.length >= 3 && parts[0].toUpperCase() === 'TCGA';
}

/** Describes a sample type for messages: `type 11, solid tissue normal`. */
export function describeSampleType(code: string): string {
  const name = SAMPLE_TYPE_NAMES[code];
  return name ? `type ${code}, ${name}` : `type ${code}`;
}
