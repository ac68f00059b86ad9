import type { BmlWarning } from '@bml/core';
import type { DatasetDownload } from './dataset-download.js';
import type { Pam50Labels } from './pam50-labels.js';
import { withoutCredentials } from './url-credentials.js';
import { PAM50_COLUMN, PRIMARY_TUMOUR_TYPE } from './xena-brca-datasets.js';

/** One omics file of the fetched cohort. */
export interface FetchedOmics {
  /** Omics name and file base name. */
  name: string;
  /** Description of the values, for the README. */
  description: string;
  /** Download it was read from. */
  source: DatasetDownload;
  /** Features (rows of the Xena matrix), written as columns. */
  features: number;
  /** Sample columns in the Xena matrix. */
  columns: number;
  /** Primary tumours with a kept PAM50 class and at least one value in this omics. */
  labelledWithData: number;
}

/** Everything the cohort README states. */
export interface CohortProvenance {
  /** When the fetch finished. */
  fetchedAt: Date;
  /** Command line that made the cohort, when known. */
  commandLine?: string;
  /** The clinical matrix download and what was read from it. */
  clinical: { source: DatasetDownload; labels: Pam50Labels };
  /** The omics, in the order they were downloaded. */
  omics: FetchedOmics[];
  /** Samples in the cohort. */
  samples: number;
  /** Samples per class. */
  classCounts: Record<string, number>;
  /** Whether Normal-like samples were kept. */
  includeNormalLike: boolean;
  /** Warnings `loadCohort` returned when the written cohort was read back. */
  warnings: BmlWarning[];
}

/** Composes the README.md of a fetched cohort: sources with URLs and digests, date, filters and counts. */
export function composeCohortReadme(provenance: CohortProvenance): string {
  const { clinical, omics } = provenance;
  const classes = Object.entries(provenance.classCounts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const commandLine = withoutCredentials(provenance.commandLine ?? 'bml fetch xena-brca');
  const lines = [
    `# TCGA breast cancer (BRCA) from UCSC Xena: ${omics.map((o) => o.name).join(', ')} and PAM50 labels`,
    '',
    `Fetched on ${provenance.fetchedAt.toISOString()} by \`${commandLine}\`.`,
    `${provenance.samples} samples (${classes}).`,
    '',
    '## Files',
    '',
    '| file | contents | features | source |',
    '| --- | --- | --- | --- |',
    ...omics.map(
      (o) => `| ${o.name}.csv | ${o.description} | ${o.features} | ${o.source.datasetPath} |`,
    ),
    `| labels.csv | PAM50 subtype from column \`${PAM50_COLUMN}\` | - | ${clinical.source.datasetPath} |`,
    '| checksums.sha256 | SHA-256 of each downloaded file, for `bml fetch --checksums` | - | - |',
    '',
    'Omics files have samples as rows (`sample` column, TCGA sample barcodes such as',
    '`TCGA-A1-A0SB-01`) and features as columns. Values are as the hub distributes',
    'them, not transformed; an empty cell is a missing value (`NA` in the source).',
    '',
    '## Sources',
    '',
    ...[clinical.source, ...omics.map((o) => o.source)].flatMap((source) => describeSource(source)),
    '',
    '## Filtering',
    '',
    ...describeFiltering(provenance),
    '',
  ];
  if (provenance.warnings.length > 0) {
    lines.push('## Notes from reading the cohort back', '');
    for (const warning of provenance.warnings) lines.push(`- ${warning.code}: ${warning.message}`);
    lines.push('');
  }
  return lines.join('\n');
}

function describeSource(source: DatasetDownload): string[] {
  const url = withoutCredentials(source.url);
  const servedFrom = withoutCredentials(source.servedFrom);
  const served = servedFrom === url ? '' : ` (served from ${servedFrom})`;
  const modified = source.lastModified ? `, Last-Modified ${source.lastModified}` : '';
  return [
    `- ${url}${served}: ${source.bytes} bytes${modified},`,
    `  SHA-256 \`${source.sha256}\``,
  ];
}

function describeFiltering(provenance: CohortProvenance): string[] {
  const { labels } = provenance.clinical;
  const normal = provenance.includeNormalLike
    ? 'Normal-like samples were kept as a fifth class.'
    : `${labels.normalLikeLeftOut} Normal-like samples were left out, as in the 4-class PAM50 setting.`;
  return [
    `1. Clinical matrix: ${labels.rows} rows; ${labels.primaryTumours} primary solid tumours ` +
      `(sample type ${PRIMARY_TUMOUR_TYPE}; normal tissue and metastases were left out); ` +
      `${labels.called} of them with a PAM50 call. ${normal}`,
    `2. Labelled primary tumours with data, per omics: ` +
      provenance.omics.map((o) => `${o.name} ${o.labelledWithData} of ${o.columns} columns`).join(', ') +
      '. A column of missing cells only counts as no data.',
    `3. Only the ${provenance.samples} labelled primary tumours with data in every omics were kept; ` +
      'no feature was dropped and no value was changed.',
  ];
}
