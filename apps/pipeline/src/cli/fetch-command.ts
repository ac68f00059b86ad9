import { InvalidInputError } from '@bml/core';
import { fetchXenaBrca, readChecksumFile, withoutCredentials, XENA_BRCA_SOURCE, XENA_TCGA_DOWNLOAD_URL, type FetchXenaBrcaResult } from '@bml/data';
import { progressPrinter } from './output.js';
import { resolveUserPath } from './paths.js';

/** Options of `bml fetch`, in the form `parseArgs` takes. */
export const fetchOptions = {
  out: { type: 'string' },
  'base-url': { type: 'string', multiple: true },
  retries: { type: 'string' },
  'retry-delay': { type: 'string' },
  timeout: { type: 'string' },
  checksums: { type: 'string' },
  'include-normal-like': { type: 'boolean' },
  'keep-downloads': { type: 'boolean' },
  force: { type: 'boolean' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Flags of `bml fetch`, as parsed from the command line. */
export interface FetchFlags {
  out?: string;
  'base-url'?: string[];
  retries?: string;
  'retry-delay'?: string;
  timeout?: string;
  checksums?: string;
  'include-normal-like'?: boolean;
  'keep-downloads'?: boolean;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** Help text of `bml fetch`. */
export const fetchHelp = `Usage: bml fetch ${XENA_BRCA_SOURCE} --out DIR [options]

Downloads TCGA breast cancer data from the UCSC Xena TCGA hub (needs
internet) and writes a cohort folder that bml run --data reads: mrna.csv
(RNA-seq, HiSeqV2), cnv.csv (GISTIC2 gene-level copy number), rppa.csv
(RPPA_RBN) and labels.csv (PAM50Call_RNAseq of BRCA_clinicalMatrix), samples
as rows, plus README.md (sources, date, filters) and checksums.sha256. Keeps
primary tumours (sample type 01) with a PAM50 call that have all three omics.
Work happens in DIR.partial: run the same command again after a failure to
resume the downloads. DIR appears only once the cohort is complete.

Options:
  --out DIR               cohort folder to write (required)
  --base-url URL          download root with the Xena TCGA layout (default
                          ${XENA_TCGA_DOWNLOAD_URL}); repeat the flag to add
                          mirrors, tried in order
  --retries N             further attempts per URL after a lost connection, a
                          timeout or HTTP 408, 429 or 5xx (default 5)
  --retry-delay SECONDS   wait before the first retry, doubled at each retry up
                          to 30 s (default 1)
  --timeout SECONDS       fail an attempt when the server sends nothing for this
                          long (default 60)
  --checksums FILE        expected SHA-256 per file, as sha256sum writes it; a
                          fetched cohort's checksums.sha256 works
  --include-normal-like   keep Normal-like samples as a fifth class (default:
                          left out)
  --keep-downloads        keep the downloaded files in DIR/downloads
  --force                 replace an existing non-empty DIR
  --quiet                 no progress lines
  --json                  print a JSON summary on standard output
  -h, --help              this help
`;

/**
 * Splits the arguments after `fetch` into the source name (the first
 * argument, unless it is an option) and the options.
 */
export function splitFetchArguments(args: readonly string[]): { source: string | undefined; options: string[] } {
  if (args.length > 0 && !args[0].startsWith('-')) return { source: args[0], options: args.slice(1) };
  return { source: undefined, options: [...args] };
}

/** Runs `bml fetch` and returns the exit code. */
export async function fetchCommand(
  source: string | undefined,
  flags: FetchFlags,
  argv: readonly string[],
): Promise<number> {
  if (source !== XENA_BRCA_SOURCE) {
    const problem = source === undefined ? 'no source was named' : `unknown source "${source}"`;
    throw new InvalidInputError(
      `bml fetch: ${problem}; the only source is ${XENA_BRCA_SOURCE} (bml fetch ${XENA_BRCA_SOURCE} --out DIR)`,
      'USAGE',
    );
  }
  if (!flags.out) {
    throw new InvalidInputError('bml fetch: --out DIR is required; name the cohort folder to write', 'USAGE');
  }

  const checksums = flags.checksums ? await readChecksumFile(resolveUserPath(flags.checksums)) : undefined;
  const result = await fetchXenaBrca({
    out: resolveUserPath(flags.out),
    baseUrls: flags['base-url'],
    retries: parseCount(flags.retries, '--retries'),
    retryDelayMs: parseSeconds(flags['retry-delay'], '--retry-delay', true),
    timeoutMs: parseSeconds(flags.timeout, '--timeout', false),
    checksums,
    includeNormalLike: flags['include-normal-like'] ?? false,
    keepDownloads: flags['keep-downloads'] ?? false,
    force: flags.force ?? false,
    commandLine: ['bml', ...argv].map(withoutCredentials).join(' '),
    onProgress: progressPrinter(flags.quiet ?? false),
  });

  if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (!flags.quiet) process.stdout.write(describeResult(result));
  return 0;
}

function describeResult(result: FetchXenaBrcaResult): string {
  const classes = Object.entries(result.classCounts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const omics = result.omics.map((o) => `  ${o.file}: ${o.features} features\n`).join('');
  return (
    `Wrote TCGA BRCA from UCSC Xena to ${result.out}: ${result.samples} samples (${classes}).\n` +
    `${omics}  labels.csv, README.md, checksums.sha256\n`
  );
}

function parseCount(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(`bml fetch: ${flag} must be a whole number >= 0, got "${text}"`, 'USAGE');
  }
  return value;
}

function parseSeconds(text: string | undefined, flag: string, zeroAllowed: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    const range = zeroAllowed ? '>= 0' : '> 0';
    throw new InvalidInputError(`bml fetch: ${flag} must be a number of seconds ${range}, got "${text}"`, 'USAGE');
  }
  return value * 1000;
}
