/**
 * Writing a cohort as a folder that `loadCohort` reads back.
 */
import { open, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { InvalidInputError } from '@bml/core';
import type { Cohort, OmicsData } from './types.js';

const gzipAsync = promisify(gzip);

/** Options of {@link writeCohort}. */
export interface WriteCohortOptions {
  /** Replace files that already exist. Default false: an existing file raises an `InvalidInputError`. */
  overwrite?: boolean;
  /** Write the omics files gzipped (`<omics>.csv.gz`). Default false. */
  gzip?: boolean;
}

/**
 * Writes `<omics>.csv` for every omics, `labels.csv` (`sample,label`) and,
 * when the cohort has a split, `split.csv` (`sample,split`). Omics files
 * have samples as rows under a `sample` header, with empty cells for missing
 * values and for samples lacking the omics. Numbers are written in the shortest form
 * that reads back to the same double (JavaScript's `String(x)`, `-0` kept). Each file is written under a
 * temporary name and renamed, so an interrupted write leaves no partial
 * file. Returns the paths written, omics first.
 */
export async function writeCohort(
  cohort: Cohort,
  dir: string,
  options: WriteCohortOptions = {},
): Promise<string[]> {
  const extension = options.gzip ? '.csv.gz' : '.csv';
  const targets = [
    ...cohort.omics.map((omics) => join(dir, `${omics.name}${extension}`)),
    join(dir, 'labels.csv'),
    ...(cohort.split ? [join(dir, 'split.csv')] : []),
  ];
  checkShapes(cohort);
  await mkdir(dir, { recursive: true });
  if (!options.overwrite) {
    for (const path of targets) {
      if (await exists(path)) {
        throw new InvalidInputError(
          `@bml/data: ${path} already exists; choose an empty folder or set overwrite to replace it`,
          'FILE_EXISTS',
          { file: path },
        );
      }
    }
  }
  for (let m = 0; m < cohort.omics.length; m++) {
    const lines = omicsLines(cohort, cohort.omics[m]);
    await writeAtomically(targets[m], lines, options.gzip ?? false);
  }
  const labelRows = cohort.sampleIds.map((id, i) => row([id, cohort.classNames[cohort.labels[i]]]));
  await writeAtomically(join(dir, 'labels.csv'), ['sample,label', ...labelRows], false);
  if (cohort.split) {
    const split = cohort.split;
    const splitRows = cohort.sampleIds.map((id, i) => row([id, split[i]]));
    await writeAtomically(join(dir, 'split.csv'), ['sample,split', ...splitRows], false);
  }
  return targets;
}

function checkShapes(cohort: Cohort): void {
  const n = cohort.sampleIds.length;
  const bad = cohort.omics.filter((o) => o.values.rows !== n || o.values.cols !== o.featureNames.length);
  if (bad.length > 0 || cohort.labels.length !== n || (cohort.split && cohort.split.length !== n)) {
    throw new InvalidInputError(
      `@bml/data: cohort ${cohort.name} is inconsistent: every omics needs one row per sample (${n}) and one ` +
        'name per column, and labels and split one entry per sample',
      'BAD_COHORT',
    );
  }
}

function* omicsLines(cohort: Cohort, omics: OmicsData): Generator<string> {
  yield row(['sample', ...omics.featureNames]);
  const { cols, data } = omics.values;
  for (let i = 0; i < cohort.sampleIds.length; i++) {
    let line = quote(cohort.sampleIds[i]);
    const base = i * cols;
    const has = omics.present[i] === 1;
    for (let j = 0; j < cols; j++) {
      const x = data[base + j];
      line += !has || !Number.isFinite(x) ? ',' : Object.is(x, -0) ? ',-0' : `,${x}`;
    }
    yield line;
  }
}

async function writeAtomically(path: string, lines: Iterable<string>, compress: boolean): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    if (compress) {
      const text = Array.from(lines).join('\n') + '\n';
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(await gzipAsync(text));
      } finally {
        await handle.close();
      }
    } else {
      const handle = await open(temporary, 'w');
      try {
        let chunk = '';
        for (const line of lines) {
          chunk += line + '\n';
          if (chunk.length > 1 << 20) {
            await handle.write(chunk);
            chunk = '';
          }
        }
        if (chunk.length > 0) await handle.write(chunk);
      } finally {
        await handle.close();
      }
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function row(fields: string[]): string {
  return fields.map(quote).join(',');
}

/** Quotes a field that contains a comma, a quote, a line break or surrounding spaces (RFC 4180). */
function quote(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}
