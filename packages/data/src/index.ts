/**
 * @bml/data: multi-omics cohorts for bml. Loads cohort folders (CSV or TSV,
 * gzipped or not, samples as rows or columns), aligns omics by sample id,
 * preprocesses with training statistics, draws stratified splits and
 * generates the built-in simulated cohort.
 */
export type { Cohort, LoadOptions, OmicsData, Orientation, OuterSplit } from './types.js';
export { loadCohort } from './cohort.js';
export { readOmicsFile, detectOrientation, type OmicsTable, type ReadOmicsOptions } from './omics-file.js';
export { readLabelFile, type LabelEntry, type LabelFile } from './labels.js';
export { readSplitFile, type ReadSplitOptions } from './split-file.js';
export { idKey, looksLikeTcgaBarcode, SAMPLE_TYPE_NAMES, type IdKey, type IdMatch } from './barcodes.js';
export { MISSING_TOKENS, parseCellText } from './numbers.js';
export { TABLE_EXTENSIONS, readTextFile } from './text.js';
export {
  fitPreprocessor,
  applyPreprocessor,
  type PreprocessOptions,
  type Preprocessor,
} from './preprocess.js';
export {
  stratifiedSplits,
  stratifiedKFold,
  validationSplit,
  type StratifiedSplitOptions,
  type KFoldOptions,
  type ValidationSplitOptions,
  type ValidationSplit,
} from './splits.js';
export {
  simulateCohort,
  SIMULATION_SETTINGS,
  type SimulateOptions,
  type SimulatedOmicsSettings,
} from './simulate.js';
export { writeCohort, type WriteCohortOptions } from './write.js';
export {
  fetchXenaBrca,
  type FetchXenaBrcaOptions,
  type FetchXenaBrcaResult,
} from './fetch/fetch-xena-brca.js';
export { DownloadError } from './fetch/errors.js';
export { readChecksumFile } from './fetch/checksums.js';
export { withoutCredentials } from './fetch/url-credentials.js';
export { XENA_BRCA_SOURCE, XENA_TCGA_DOWNLOAD_URL } from './fetch/xena-brca-datasets.js';
export type { FetchProgressEvent, FetchProgressHandler } from './fetch/progress.js';
