import { basename, join } from 'node:path';
import { InvalidInputError, type BmlWarning } from '@bml/core';
import { writeCohort } from '../write.js';
import type { FetchProgressHandler } from './progress.js';
import { buildCohort, selectCompleteSamples, type NamedMatrix } from './assemble-cohort.js';
import { CHECKSUM_FILE, formatChecksums, type ChecksumEntry } from './checksums.js';
import { composeCohortReadme, type FetchedOmics } from './cohort-readme.js';
import { downloadDataset, type DatasetDownload, type DatasetDownloadOptions } from './dataset-download.js';
import { discardDownload } from './download-state.js';
import { DownloadError } from './errors.js';
import { readPam50Labels, type Pam50Labels } from './pam50-labels.js';
import { DOWNLOADS_FOLDER, StagingFolder } from './staging-folder.js';
import {
  XENA_BRCA_CLINICAL_PATHS,
  XENA_BRCA_OMICS,
  XENA_TCGA_DOWNLOAD_URL,
  type XenaOmicsDataset,
} from './xena-brca-datasets.js';
import { verifyWrittenCohort } from './verify-written-cohort.js';
import { readXenaMatrix } from './xena-matrix.js';

/** Options of {@link fetchXenaBrca}. */
export interface FetchXenaBrcaOptions {
  /** Output cohort folder. Required. */
  out: string;
  /** Download roots with the Xena TCGA layout, tried in order. Default `[https://tcga.xenahubs.net/download/]`. */
  baseUrls?: readonly string[];
  /** Attempts after the first one for each URL, on failures that may pass. Default 5. */
  retries?: number;
  /** Idle timeout of each request in milliseconds. Default 60,000. */
  timeoutMs?: number;
  /** Wait before the first retry in milliseconds, doubled at each further retry up to 30 s. Default 1,000. */
  retryDelayMs?: number;
  /** Expected SHA-256 digests of the downloaded files. Default none (digests are recorded, not checked). */
  checksums?: readonly ChecksumEntry[];
  /** Keep samples called Normal-like as a fifth class. Default false. */
  includeNormalLike?: boolean;
  /** Keep the downloaded files in `<out>/downloads/`. Default false. */
  keepDownloads?: boolean;
  /** Replace an existing non-empty output folder. Default false. */
  force?: boolean;
  /** Command line recorded in the cohort README. Default none. */
  commandLine?: string;
  /** Receives progress lines (stages `download`, `read`, `write`, `verify`). Default none. */
  onProgress?: FetchProgressHandler;
}

/** A fetched cohort. */
export interface FetchXenaBrcaResult {
  /** Absolute path of the cohort folder. */
  out: string;
  /** Samples in the cohort. */
  samples: number;
  /** Samples per class. */
  classCounts: Record<string, number>;
  /** Omics written: name, file and number of features. */
  omics: { name: string; file: string; features: number }[];
  /**
   * Every download: the clinical matrix first, then the omics. `path` is the
   * kept file under `<out>/downloads/`, and undefined unless `keepDownloads`.
   */
  downloads: (Omit<DatasetDownload, 'path'> & { path?: string })[];
  /** Warnings `loadCohort` returned when the written cohort was read back. */
  warnings: BmlWarning[];
}

/**
 * Downloads TCGA breast cancer copy number, RNA-seq, RPPA and PAM50 calls
 * from a UCSC Xena hub and writes a cohort folder that `bml run --data`
 * reads: `mrna.csv`, `cnv.csv`, `rppa.csv` (samples as rows), `labels.csv`,
 * `checksums.sha256` and a README.md with sources, date and filters. Keeps
 * primary tumours with a PAM50 call (Normal-like only when asked) that have
 * every omics.
 *
 * Work happens in `<out>.partial`; interrupted downloads resume on the next
 * call. The written cohort is read back with `loadCohort` and compared with
 * what was written before `<out>.partial` is renamed to `<out>`, so `<out>`
 * never contains a partial cohort. Errors are `InvalidInputError`s (for
 * downloads, its subclass `DownloadError`) that name the URL or file and the
 * fix. A cohort that does not read back as written raises an `InternalError`.
 */
export async function fetchXenaBrca(options: FetchXenaBrcaOptions): Promise<FetchXenaBrcaResult> {
  const staging = await StagingFolder.open(options.out, { force: options.force });
  const progress = options.onProgress;
  const { clinicalSource, omicsSources } = await downloadSources(options, staging.downloads);
  const { labels, matrices } = await readSources(clinicalSource, omicsSources, options);

  const selection = selectCompleteSamples(labels.labels, matrices);
  if (selection.sampleIds.length === 0) throw noCompleteSamples(labels.labels.size, selection.withData);
  const fetched: FetchedOmics[] = XENA_BRCA_OMICS.map((dataset: XenaOmicsDataset, m) => ({
    name: dataset.omics,
    description: dataset.description,
    source: omicsSources[m],
    features: matrices[m].matrix.featureNames.length,
    columns: matrices[m].matrix.columnCount,
    labelledWithData: selection.withData[dataset.omics],
  }));

  const cohort = buildCohort(basename(staging.out), selection.sampleIds, labels.labels, matrices);
  checkClassifiable(countClasses(cohort.classNames, cohort.labels));
  progress?.({ stage: 'write', message: `writing ${cohort.sampleIds.length} samples to ${staging.path}` });
  await writeCohort(cohort, staging.path, { overwrite: true });
  const classCounts = countClasses(cohort.classNames, cohort.labels);
  const warnings = await verifyWrittenCohort(staging.path, cohort.sampleIds, fetched, progress);

  const downloads = [clinicalSource, ...omicsSources];
  await staging.writeText(
    CHECKSUM_FILE,
    formatChecksums(downloads.map((d) => ({ name: d.datasetPath, sha256: d.sha256 }))),
  );
  await staging.writeText(
    'README.md',
    composeCohortReadme({
      fetchedAt: new Date(),
      commandLine: options.commandLine,
      clinical: { source: clinicalSource, labels },
      omics: fetched,
      samples: cohort.sampleIds.length,
      classCounts,
      includeNormalLike: options.includeNormalLike ?? false,
      warnings,
    }),
  );
  await staging.commit({ keepDownloads: options.keepDownloads });
  progress?.({ stage: 'write', message: `cohort complete in ${staging.out}` });

  return {
    out: staging.out,
    samples: cohort.sampleIds.length,
    classCounts,
    omics: fetched.map((o) => ({ name: o.name, file: `${o.name}.csv`, features: o.features })),
    downloads: downloads.map((d) => ({
      ...d,
      path: options.keepDownloads ? join(staging.out, DOWNLOADS_FOLDER, basename(d.path)) : undefined,
    })),
    warnings,
  };
}

/** Downloads the clinical matrix, then each omics matrix, into `folder`. */
async function downloadSources(
  options: FetchXenaBrcaOptions,
  folder: string,
): Promise<{ clinicalSource: DatasetDownload; omicsSources: DatasetDownload[] }> {
  const baseUrls = options.baseUrls && options.baseUrls.length > 0 ? options.baseUrls : [XENA_TCGA_DOWNLOAD_URL];
  const downloadOptions: Omit<DatasetDownloadOptions, 'gzip'> = {
    baseUrls,
    folder,
    checksums: options.checksums,
    retries: options.retries,
    timeoutMs: options.timeoutMs,
    retryDelayMs: options.retryDelayMs,
    onProgress: options.onProgress,
  };
  const clinicalSource = await downloadDataset(XENA_BRCA_CLINICAL_PATHS, { ...downloadOptions, gzip: false });
  const omicsSources: DatasetDownload[] = [];
  for (const dataset of XENA_BRCA_OMICS) {
    omicsSources.push(await downloadDataset(dataset.paths, { ...downloadOptions, gzip: true }));
  }
  return { clinicalSource, omicsSources };
}

/** Reads the PAM50 labels, then the labelled sample columns of each omics matrix. */
async function readSources(
  clinicalSource: DatasetDownload,
  omicsSources: readonly DatasetDownload[],
  options: FetchXenaBrcaOptions,
): Promise<{ labels: Pam50Labels; matrices: NamedMatrix[] }> {
  const progress = options.onProgress;
  const labels = await discardIfUnreadable(clinicalSource.path, () =>
    readPam50Labels(clinicalSource.path, {
      source: clinicalSource.url,
      includeNormalLike: options.includeNormalLike,
    }),
  );
  progress?.({
    stage: 'read',
    message: `${basename(clinicalSource.path)}: ${labels.labels.size} primary tumours with a kept PAM50 class`,
  });

  const matrices: NamedMatrix[] = [];
  for (let m = 0; m < XENA_BRCA_OMICS.length; m++) {
    const source = omicsSources[m];
    const omics = XENA_BRCA_OMICS[m].omics;
    const matrix = await discardIfUnreadable(source.path, () =>
      readXenaMatrix(source.path, { source: source.url, keepSample: (id) => labels.labels.has(id) }),
    );
    matrices.push({ omics, matrix });
    progress?.({
      stage: 'read',
      message:
        `${omics}: ${matrix.featureNames.length} features x ${matrix.columnCount} samples, ` +
        `${matrix.sampleIds.length} of them labelled primary tumours`,
    });
  }
  return { labels, matrices };
}

/**
 * Runs `read` on a downloaded file and deletes the file when it is not the
 * expected table (`DownloadError` code `BAD_DATASET`), so that the next
 * fetch downloads it again instead of reusing it.
 */
async function discardIfUnreadable<T>(path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DownloadError && error.code === 'BAD_DATASET') await discardDownload(path, true);
    throw error;
  }
}

function noCompleteSamples(labelled: number, withData: Record<string, number>): InvalidInputError {
  const counts = Object.entries(withData)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  return new InvalidInputError(
    `bml fetch: no primary tumour with a PAM50 class has data in every omics (${labelled} labelled; with ` +
      `data: ${counts}); the datasets may not share sample barcodes, check --base-url`,
    'NO_COMPLETE_SAMPLES',
    { withData },
  );
}

/** Fewest samples a class needs for a stratified train/test split with a validation part. */
const MIN_CLASS_SAMPLES = 3;

/**
 * Raises an `InvalidInputError` unless the cohort has at least two classes of
 * {@link MIN_CLASS_SAMPLES} samples, so that a hub serving truncated or wrong
 * files never yields a cohort that `bml run` rejects later.
 */
function checkClassifiable(classCounts: Record<string, number>): void {
  const usable = Object.values(classCounts).filter((count) => count >= MIN_CLASS_SAMPLES).length;
  if (usable >= 2) return;
  const counts = Object.entries(classCounts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  throw new DownloadError(
    `bml fetch: the downloaded files give a cohort that cannot be classified (${counts}): at least two ` +
      `classes need ${MIN_CLASS_SAMPLES} samples each; the hub may serve truncated or different datasets, check --base-url`,
    'COHORT_UNUSABLE',
    { details: { classCounts } },
  );
}

function countClasses(classNames: readonly string[], labels: Int32Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of classNames) counts[name] = 0;
  for (const code of labels) counts[classNames[code]]++;
  return counts;
}
