import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '@bml/core';
import { loadCohort } from '../src/cohort.js';
import type { FetchProgressEvent } from '../src/fetch/progress.js';
import { parseChecksums } from '../src/fetch/checksums.js';
import { retryDelay } from '../src/fetch/download.js';
import { DownloadError } from '../src/fetch/errors.js';
import { fetchXenaBrca, type FetchXenaBrcaOptions } from '../src/fetch/fetch-xena-brca.js';
import { parseContentRange, retryAfterSeconds } from '../src/fetch/http-headers.js';
import { withoutCredentials } from '../src/fetch/url-credentials.js';

const MRNA_PATH = '/download/TCGA.BRCA.sampleMap/HiSeqV2.gz';
const CNV_PATH = '/download/TCGA.BRCA.sampleMap/Gistic2_CopyNumber_Gistic2_all_data_by_genes.gz';
const RPPA_PATH = '/download/TCGA.BRCA.sampleMap/RPPA_RBN.gz';
const CLINICAL_PATH = '/download/TCGA.BRCA.sampleMap/BRCA_clinicalMatrix';
const ETAG = '"fixture-v1"';

// ---------------------------------------------------------------------------
// Fixtures: small Xena-style files with the hub's layout and quirks.

/** PAM50 call per sample barcode in the clinical matrix ('' for no call). */
const CALLS: Record<string, string> = {
  'TCGA-A1-A001-01': 'LumA',
  'TCGA-A1-A002-01': 'LumB',
  'TCGA-A1-A003-01': 'Basal',
  'TCGA-A1-A004-01': 'Her2',
  'TCGA-A1-A005-01': 'LumA',
  'TCGA-A1-A006-01': 'LumB',
  'TCGA-A1-A007-01': 'Basal',
  'TCGA-A1-A008-01': 'Her2',
  'TCGA-A1-A009-01': 'LumA',
  'TCGA-A1-A010-01': 'Basal',
  'TCGA-A1-A011-01': 'Normal',
  'TCGA-A1-A012-01': 'LumA',
  'TCGA-A1-A013-01': 'LumB',
  'TCGA-A1-A014-01': 'Basal',
  'TCGA-A1-A015-01': '',
  'TCGA-A1-A001-11': 'LumA',
  'TCGA-A1-A002-06': 'LumB',
};

/** Every sample column of the mRNA matrix: the clinical samples and one without a clinical row. */
const MRNA_SAMPLES = [...Object.keys(CALLS), 'TCGA-A1-A099-01'];
/** CNV lacks A014; RPPA lacks A013 and has only missing cells for A012. */
const CNV_SAMPLES = MRNA_SAMPLES.filter((id) => id !== 'TCGA-A1-A014-01');
const RPPA_SAMPLES = MRNA_SAMPLES.filter((id) => id !== 'TCGA-A1-A013-01');
const RPPA_EMPTY_SAMPLE = 'TCGA-A1-A012-01';

/** Primary tumours with a 4-class call and every omics, sorted. */
const EXPECTED_SAMPLES = [
  'TCGA-A1-A001-01',
  'TCGA-A1-A002-01',
  'TCGA-A1-A003-01',
  'TCGA-A1-A004-01',
  'TCGA-A1-A005-01',
  'TCGA-A1-A006-01',
  'TCGA-A1-A007-01',
  'TCGA-A1-A008-01',
  'TCGA-A1-A009-01',
  'TCGA-A1-A010-01',
];

/** Deterministic value of a feature in a sample, with four decimals. */
function cellValue(omics: string, feature: number, sample: number): number {
  const seed = omics.length * 7919 + feature * 104729 + sample * 1299709;
  return Math.round(((Math.sin(seed) + 1) * 6 - 2) * 10_000) / 10_000;
}

/** Builds a genes x samples TSV matrix with `NA` at one cell and for `emptySample`. */
function matrixText(omics: string, firstCell: string, features: string[], samples: string[], emptySample?: string): string {
  const lines = [[firstCell, ...samples].join('\t')];
  features.forEach((feature, f) => {
    const cells = samples.map((id, s) => {
      if (id === emptySample || (f === 1 && s === 2)) return 'NA';
      return String(cellValue(omics, f, MRNA_SAMPLES.indexOf(id)));
    });
    lines.push([feature, ...cells].join('\t'));
  });
  return `${lines.join('\n')}\n`;
}

const MRNA_GENES = Array.from({ length: 300 }, (_, g) => `GENE${g + 1}`);
const CNV_GENES = Array.from({ length: 40 }, (_, g) => `CN${g + 1}`);
const RPPA_PROTEINS = ['14-3-3_beta', 'Akt_pS473', 'ER-alpha', 'HER2', 'PR'];

function clinicalText(): string {
  const lines = ['sampleID\tAge\tPAM50Call_RNAseq\tvital_status'];
  for (const [id, call] of Object.entries(CALLS)) lines.push(`${id}\t50\t${call}\tLIVING`);
  return `${lines.join('\n')}\n`;
}

const FILES: Record<string, Buffer> = {
  [MRNA_PATH]: gzipSync(matrixText('mrna', 'sample', MRNA_GENES, MRNA_SAMPLES)),
  [CNV_PATH]: gzipSync(matrixText('cnv', 'Gene Symbol', CNV_GENES, CNV_SAMPLES)),
  [RPPA_PATH]: gzipSync(matrixText('rppa', 'sample', RPPA_PROTEINS, RPPA_SAMPLES, RPPA_EMPTY_SAMPLE)),
  [CLINICAL_PATH]: Buffer.from(clinicalText()),
};

// ---------------------------------------------------------------------------
// A local HTTP server on 127.0.0.1 that serves FILES with Range support and
// misbehaves on request.

/** How the server treats one path. */
interface Route {
  body?: Buffer;
  /** Status to send instead of the body. */
  status?: number;
  /** Send `status` this many times, then serve the body. Default: always. */
  statusTimes?: number;
  /** Respond to Range requests with the whole file (HTTP 200). */
  ignoreRange?: boolean;
  /** On the next request, send this many body bytes, then cut the connection. */
  cutAfter?: number;
  /** On the next request, send the headers and then nothing. */
  stall?: boolean;
  /** Redirect to this path. */
  redirectTo?: string;
}

/** One request the server received. */
interface LoggedRequest {
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
}

class FixtureServer {
  readonly routes = new Map<string, Route>();
  readonly log: LoggedRequest[] = [];
  private server: Server | undefined;

  constructor() {
    for (const [path, body] of Object.entries(FILES)) this.routes.set(path, { body });
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/download/`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  requestsFor(path: string): LoggedRequest[] {
    return this.log.filter((entry) => entry.path === path);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/';
    const route = this.routes.get(path);
    const entry: LoggedRequest = {
      path,
      range: request.headers.range,
      ifRange: request.headers['if-range'] as string | undefined,
      status: 0,
    };
    this.log.push(entry);
    const answer = (status: number, headers: Record<string, string | number>, body?: Buffer): void => {
      entry.status = status;
      response.writeHead(status, headers);
      response.end(body);
    };

    if (!route || (!route.body && route.status === undefined && !route.redirectTo)) {
      answer(404, { 'content-type': 'text/plain' }, Buffer.from('not found'));
      return;
    }
    if (route.redirectTo) {
      answer(302, { location: route.redirectTo });
      return;
    }
    if (route.status !== undefined && (route.statusTimes === undefined || route.statusTimes > 0)) {
      if (route.statusTimes !== undefined) route.statusTimes--;
      answer(route.status, { 'retry-after': '0' }, Buffer.from('unavailable'));
      return;
    }

    const body = route.body!;
    let start = 0;
    const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const validatorMatches = entry.ifRange === undefined || entry.ifRange === ETAG;
    if (match && !route.ignoreRange && validatorMatches) start = Number(match[1]);
    if (start >= body.length && start > 0) {
      answer(416, { 'content-range': `bytes */${body.length}` });
      return;
    }
    const part = body.subarray(start);
    const headers: Record<string, string | number> = {
      'content-length': part.length,
      'content-type': 'application/octet-stream',
      etag: ETAG,
      'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT',
      'accept-ranges': 'bytes',
    };
    const status = start > 0 ? 206 : 200;
    if (status === 206) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    entry.status = status;

    if (route.stall) {
      route.stall = false;
      response.writeHead(status, headers);
      response.flushHeaders();
      return;
    }
    if (route.cutAfter !== undefined) {
      const cut = route.cutAfter;
      route.cutAfter = undefined;
      response.writeHead(status, headers);
      response.write(part.subarray(0, cut), () => {
        setTimeout(() => response.socket?.destroy(), 20);
      });
      return;
    }
    response.writeHead(status, headers);
    response.end(part);
  }
}

// ---------------------------------------------------------------------------

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let server: FixtureServer;
let baseUrl: string;
let workDir: string;

beforeEach(async () => {
  server = new FixtureServer();
  baseUrl = await server.start();
  workDir = mkdtempSync(join(tmpdir(), 'bml-fetch-'));
});

afterEach(async () => {
  await server.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs a fetch against the fixture server with fast retries, collecting progress lines. */
async function fetchInto(out: string, options: Partial<FetchXenaBrcaOptions> = {}, events: FetchProgressEvent[] = []) {
  return fetchXenaBrca({
    out,
    baseUrls: [baseUrl],
    retries: 0,
    retryDelayMs: 5,
    timeoutMs: 5_000,
    onProgress: (event) => events.push(event),
    ...options,
  });
}

/** Runs a fetch that must fail and returns its error. */
async function fetchError(out: string, options: Partial<FetchXenaBrcaOptions> = {}): Promise<DownloadError> {
  const error = await fetchInto(out, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

function partialDownloads(out: string): string[] {
  const folder = join(`${out}.partial`, 'downloads');
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

describe('bml fetch xena-brca', () => {
  it('writes a cohort that loadCohort reads', async () => {
    const out = join(workDir, 'brca');
    const events: FetchProgressEvent[] = [];
    const result = await fetchInto(out, {}, events);

    expect(result.out).toBe(out);
    expect(result.samples).toBe(EXPECTED_SAMPLES.length);
    expect(result.classCounts).toEqual({ 'Basal-like': 3, 'HER2-enriched': 2, 'Luminal A': 3, 'Luminal B': 2 });
    expect(readdirSync(out).sort()).toEqual([
      'README.md',
      'checksums.sha256',
      'cnv.csv',
      'labels.csv',
      'mrna.csv',
      'rppa.csv',
    ]);
    expect(existsSync(`${out}.partial`)).toBe(false);

    const cohort = await loadCohort(out);
    expect(cohort.sampleIds).toEqual(EXPECTED_SAMPLES);
    expect(cohort.omics.map((o) => o.name)).toEqual(['cnv', 'mrna', 'rppa']);
    const featureCounts = cohort.omics.map((o) => o.featureNames.length);
    expect(featureCounts).toEqual([CNV_GENES.length, MRNA_GENES.length, RPPA_PROTEINS.length]);
    expect(cohort.classNames[cohort.labels[2]]).toBe('Basal-like');

    const mrna = cohort.omics.find((o) => o.name === 'mrna')!;
    const sample = 4;
    const column = MRNA_SAMPLES.indexOf(EXPECTED_SAMPLES[sample]);
    expect(mrna.values.data[sample * MRNA_GENES.length + 7]).toBe(cellValue('mrna', 7, column));
    const naSample = EXPECTED_SAMPLES.indexOf(MRNA_SAMPLES[2]);
    expect(Number.isNaN(mrna.values.data[naSample * MRNA_GENES.length + 1])).toBe(true);

    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain(`${baseUrl}TCGA.BRCA.sampleMap/HiSeqV2.gz`);
    expect(readme).toContain(sha256(FILES[MRNA_PATH]));
    expect(readme).toMatch(/Fetched on \d{4}-\d\d-\d\dT/);
    expect(readme).toMatch(/1 Normal-like samples were left out/);
    expect(readme).toMatch(/sample type 01/);

    const checksums = parseChecksums(readFileSync(join(out, 'checksums.sha256'), 'utf8'), 'checksums.sha256');
    expect(checksums).toContainEqual({ name: 'TCGA.BRCA.sampleMap/HiSeqV2.gz', sha256: sha256(FILES[MRNA_PATH]) });
    expect(events.some((e) => e.stage === 'verify')).toBe(true);
  });

  it('keeps Normal-like samples when asked', async () => {
    const out = join(workDir, 'five-classes');
    const result = await fetchInto(out, { includeNormalLike: true });
    expect(result.classCounts['Normal-like']).toBe(1);
    const cohort = await loadCohort(out);
    expect(cohort.sampleIds).toContain('TCGA-A1-A011-01');
    expect(cohort.classNames).toHaveLength(5);
  });

  it('resumes a cut download with a Range request', async () => {
    const out = join(workDir, 'resumed');
    const full = FILES[MRNA_PATH];
    const cut = Math.floor(full.length / 2);
    server.routes.get(MRNA_PATH)!.cutAfter = cut;

    const error = await fetchError(out);
    expect(error.code).toBe('CONNECTION_LOST');
    expect(error.message).toContain(`${baseUrl}TCGA.BRCA.sampleMap/HiSeqV2.gz`);
    expect(error.message).toMatch(/run the same command again to resume/);
    expect(existsSync(out)).toBe(false);
    expect(statSync(join(`${out}.partial`, 'downloads', 'HiSeqV2.gz.part')).size).toBe(cut);

    const result = await fetchInto(out);
    const requests = server.requestsFor(MRNA_PATH);
    expect(requests).toHaveLength(2);
    expect(requests[1].range).toBe(`bytes=${cut}-`);
    expect(requests[1].ifRange).toBe(ETAG);
    expect(requests[1].status).toBe(206);
    const mrna = result.downloads.find((d) => d.datasetPath.endsWith('HiSeqV2.gz'))!;
    expect(mrna.resumedFromBytes).toBe(cut);
    expect(mrna.bytes).toBe(full.length);
    expect(mrna.sha256).toBe(sha256(full));
    expect((await loadCohort(out)).sampleIds).toEqual(EXPECTED_SAMPLES);
  });

  it('retries within one fetch and resumes', async () => {
    const out = join(workDir, 'retried');
    const cut = 1000;
    server.routes.get(MRNA_PATH)!.cutAfter = cut;
    server.routes.get(CNV_PATH)!.status = 503;
    server.routes.get(CNV_PATH)!.statusTimes = 1;
    const events: FetchProgressEvent[] = [];

    const result = await fetchInto(out, { retries: 2, keepDownloads: true }, events);

    const mrnaRequests = server.requestsFor(MRNA_PATH);
    expect(mrnaRequests.map((r) => r.range)).toEqual([undefined, `bytes=${cut}-`]);
    expect(server.requestsFor(CNV_PATH).map((r) => r.status)).toEqual([503, 200]);
    const retries = events.filter((e) => /attempt 1 of 3 failed/.test(e.message));
    expect(retries).toHaveLength(2);
    expect(retries[0].message).toMatch(/resuming at byte 1000/);
    const keptDownload = join(out, 'downloads', 'HiSeqV2.gz');
    expect(readFileSync(keptDownload).equals(FILES[MRNA_PATH])).toBe(true);
    expect(result.downloads.find((d) => d.datasetPath.endsWith('HiSeqV2.gz'))!.attempts).toBe(2);
  });

  it('restarts when the server ignores Range', async () => {
    const out = join(workDir, 'no-range');
    const full = FILES[MRNA_PATH];
    const route = server.routes.get(MRNA_PATH)!;
    route.cutAfter = 700;
    route.ignoreRange = true;
    await fetchError(out);

    const events: FetchProgressEvent[] = [];
    const result = await fetchInto(out, {}, events);

    const requests = server.requestsFor(MRNA_PATH);
    expect(requests[1].range).toBe('bytes=700-');
    expect(requests[1].status).toBe(200);
    expect(events.some((e) => /ignored the Range request \(HTTP 200\)/.test(e.message))).toBe(true);
    const mrna = result.downloads.find((d) => d.datasetPath.endsWith('HiSeqV2.gz'))!;
    expect(mrna.resumedFromBytes).toBe(0);
    expect(mrna.bytes).toBe(full.length);
    expect(mrna.sha256).toBe(sha256(full));
  });

  it('reports a 404 and leaves no output folder', async () => {
    const out = join(workDir, 'missing');
    server.routes.delete(CNV_PATH);
    const error = await fetchError(out, { retries: 3 });

    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(`${baseUrl}TCGA.BRCA.sampleMap/Gistic2_CopyNumber_Gistic2_all_data_by_genes.gz`);
    expect(error.message).toMatch(/HTTP 404/);
    expect(error.message).toMatch(/--base-url/);
    expect(server.requestsFor(CNV_PATH)).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(`${out}.partial`)).toContain('INCOMPLETE');
  });

  it('tries the next base URL', async () => {
    const out = join(workDir, 'mirror');
    const events: FetchProgressEvent[] = [];
    const result = await fetchInto(out, { baseUrls: [`${baseUrl}missing/`, baseUrl] }, events);
    expect(result.samples).toBe(EXPECTED_SAMPLES.length);
    const skipped = /missing\/TCGA\.BRCA\.sampleMap\/BRCA_clinicalMatrix was not found.*trying the next URL/;
    expect(events.some((e) => skipped.test(e.message))).toBe(true);
  });

  it('resumes at the mirror it started from', async () => {
    const out = join(workDir, 'mirror-resume');
    const missing = `${baseUrl}missing/`;
    const cut = 1500;
    server.routes.get(MRNA_PATH)!.cutAfter = cut;
    const error = await fetchError(out, { baseUrls: [missing, baseUrl] });
    expect(error.code).toBe('CONNECTION_LOST');
    expect(error.message).toMatch(/every URL for this dataset failed/);

    await fetchInto(out, { baseUrls: [missing, baseUrl] });
    expect(server.requestsFor('/download/missing/TCGA.BRCA.sampleMap/HiSeqV2.gz')).toHaveLength(1);
    expect(server.requestsFor(MRNA_PATH).map((r) => r.range)).toEqual([undefined, `bytes=${cut}-`]);
  });

  it('follows redirects', async () => {
    const out = join(workDir, 'redirected');
    server.routes.set('/moved/TCGA.BRCA.sampleMap/HiSeqV2.gz', { redirectTo: MRNA_PATH });
    for (const path of [CNV_PATH, RPPA_PATH, CLINICAL_PATH]) {
      server.routes.set(path.replace('/download/', '/moved/'), { redirectTo: path });
    }
    const result = await fetchInto(out, { baseUrls: [baseUrl.replace('/download/', '/moved/')] });
    const mrna = result.downloads.find((d) => d.datasetPath.endsWith('HiSeqV2.gz'))!;
    expect(mrna.servedFrom).toBe(`${baseUrl}TCGA.BRCA.sampleMap/HiSeqV2.gz`);
  });

  it('falls back to the RPPA file without RBN', async () => {
    const out = join(workDir, 'rppa-fallback');
    const body = server.routes.get(RPPA_PATH)!.body!;
    server.routes.delete(RPPA_PATH);
    server.routes.set('/download/TCGA.BRCA.sampleMap/RPPA.gz', { body });
    const result = await fetchInto(out);
    expect(result.downloads.map((d) => d.datasetPath)).toContain('TCGA.BRCA.sampleMap/RPPA.gz');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('TCGA.BRCA.sampleMap/RPPA.gz');
  });

  it('rejects a corrupt gzip', async () => {
    const out = join(workDir, 'corrupt');
    const damaged = Buffer.from(FILES[MRNA_PATH]);
    damaged[damaged.length - 6] ^= 0xff;
    server.routes.get(MRNA_PATH)!.body = damaged;

    const error = await fetchError(out, { retries: 2 });
    expect(error.code).toBe('CORRUPT_GZIP');
    expect(error.message).toMatch(/HiSeqV2\.gz is not a valid gzip file/);
    expect(server.requestsFor(MRNA_PATH)).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    expect(partialDownloads(out)).not.toContain('HiSeqV2.gz.part');
    expect(partialDownloads(out)).not.toContain('HiSeqV2.gz');
  });

  it('rejects an error page served as gzip', async () => {
    const out = join(workDir, 'html');
    server.routes.get(RPPA_PATH)!.body = Buffer.from('<html><body>Service moved</body></html>');
    const error = await fetchError(out);
    expect(error.code).toBe('NOT_GZIP');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a matrix without TCGA barcodes', async () => {
    const out = join(workDir, 'bad-header');
    server.routes.get(CNV_PATH)!.body = gzipSync('gene\tx1\tx2\nA\t1\t2\n');
    const error = await fetchError(out);
    expect(error.code).toBe('BAD_DATASET');
    expect(error.message).toMatch(/no TCGA sample barcode/);
    expect(existsSync(out)).toBe(false);
    expect(partialDownloads(out)).not.toContain('Gistic2_CopyNumber_Gistic2_all_data_by_genes.gz');
  });

  it('rejects a cohort with one usable class', async () => {
    const out = join(workDir, 'one-class');
    const clinical = ['sampleID\tPAM50Call_RNAseq', 'TCGA-A1-A001-01\tLumA', 'TCGA-A1-A003-01\tBasal'].join('\n');
    server.routes.get(CLINICAL_PATH)!.body = Buffer.from(`${clinical}\n`);
    const error = await fetchError(out);
    expect(error.code).toBe('COHORT_UNUSABLE');
    expect(error.message).toMatch(/cannot be classified \(Basal-like 1, Luminal A 1\): at least two classes need 3 samples each/);
    expect(existsSync(out)).toBe(false);
  });

  it('checks SHA-256 from a checksum file', async () => {
    const first = join(workDir, 'first');
    await fetchInto(first);
    const checksums = parseChecksums(readFileSync(join(first, 'checksums.sha256'), 'utf8'), 'checksums.sha256');
    await expect(fetchInto(join(workDir, 'second'), { checksums })).resolves.toMatchObject({ samples: 10 });

    const wrong = checksums.map((entry) =>
      entry.name.endsWith('RPPA_RBN.gz') ? { ...entry, sha256: '0'.repeat(64) } : entry,
    );
    const error = await fetchError(join(workDir, 'third'), { checksums: wrong });
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain(`${baseUrl}TCGA.BRCA.sampleMap/RPPA_RBN.gz has SHA-256 ${sha256(FILES[RPPA_PATH])}`);
    expect(existsSync(join(workDir, 'third'))).toBe(false);
  });

  it('times out a silent server', async () => {
    const out = join(workDir, 'stalled');
    server.routes.get(CLINICAL_PATH)!.stall = true;
    const started = Date.now();
    const error = await fetchError(out, { timeoutMs: 300 });
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/BRCA_clinicalMatrix sent nothing for 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('keeps an existing output without --force', async () => {
    const out = join(workDir, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.txt'), 'earlier');

    const error = await fetchInto(out).then(
      () => undefined,
      (caught: unknown) => caught as InvalidInputError,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).not.toBeInstanceOf(DownloadError);
    expect(error!.code).toBe('OUT_EXISTS');
    expect(error!.message).toMatch(/already exists and is not empty.*--force/);
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('earlier');
    expect(server.log).toHaveLength(0);

    await fetchInto(out, { force: true });
    expect(existsSync(join(out, 'mine.txt'))).toBe(false);
    expect(existsSync(join(out, 'labels.csv'))).toBe(true);
  });

  it('reuses complete downloads of a failed fetch', async () => {
    const out = join(workDir, 'reuse');
    server.routes.get(RPPA_PATH)!.status = 500;
    server.routes.get(RPPA_PATH)!.statusTimes = 1;
    const error = await fetchError(out);
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.message).toMatch(/returned HTTP 500/);

    const events: FetchProgressEvent[] = [];
    await fetchInto(out, {}, events);
    expect(server.requestsFor(MRNA_PATH)).toHaveLength(1);
    expect(server.requestsFor(RPPA_PATH)).toHaveLength(2);
    expect(events.some((e) => /using HiSeqV2\.gz downloaded earlier/.test(e.message))).toBe(true);
  });
});

describe('fetch helpers', () => {
  it('parses GNU and BSD checksum lines', () => {
    const digest = 'ab'.repeat(32);
    const entries = parseChecksums(`# comment\n${digest}  a/b.gz\nSHA256 (c.gz) = ${digest.toUpperCase()}\n\n`, 'sums');
    expect(entries).toEqual([
      { name: 'a/b.gz', sha256: digest },
      { name: 'c.gz', sha256: digest },
    ]);
    expect(() => parseChecksums('not a checksum\n', 'sums')).toThrow(/sums line 1 is not a SHA-256 checksum line/);
  });

  it('parses Content-Range and Retry-After', () => {
    expect(parseContentRange('bytes 100-199/200')).toEqual({ start: 100, end: 199, total: 200 });
    expect(parseContentRange('bytes 100-199/*')).toEqual({ start: 100, end: 199, total: undefined });
    expect(parseContentRange('items 1-2/3')).toBeUndefined();
    expect(retryAfterSeconds({ 'retry-after': '7' })).toBe(7);
    expect(retryAfterSeconds({ 'retry-after': 'Thu, 01 Jan 1970 00:00:10 GMT' }, 4_000)).toBe(6);
  });

  it('doubles the retry delay up to its caps', () => {
    expect([1, 2, 3].map((attempt) => retryDelay(1000, attempt, undefined))).toEqual([1000, 2000, 4000]);
    expect(retryDelay(1000, 10, undefined)).toBe(30_000);
    expect(retryDelay(1000, 1, 5)).toBe(5000);
    expect(retryDelay(1000, 1, 3600)).toBe(60_000);
  });

  it('removes credentials from URLs', () => {
    expect(withoutCredentials('--base-url https://user:secret@hub.example/download/')).toBe(
      '--base-url https://hub.example/download/',
    );
    expect(withoutCredentials('https://hub.example/a@b')).toBe('https://hub.example/a@b');
  });
});
