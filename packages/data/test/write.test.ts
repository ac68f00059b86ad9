import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createMatrix } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { loadCohort, simulateCohort, writeCohort, type Cohort } from '../src/index.js';
import { makeFolder } from './fixtures.js';

const small = simulateCohort({ seed: 3, features: { mrna: 40, cnv: 30 } });

describe('writeCohort', () => {
  it('writes files that load back to the same cohort', async () => {
    const dir = join(makeFolder({}), 'simulated');
    const paths = await writeCohort(small, dir);
    expect(paths.map((p) => basename(p))).toEqual(['cnv.csv', 'mrna.csv', 'rppa.csv', 'labels.csv']);
    expect(readdirSync(dir).sort()).toEqual(['cnv.csv', 'labels.csv', 'mrna.csv', 'rppa.csv']);
    const back = await loadCohort(dir);
    expect(back.name).toBe('simulated');
    expect(back.sampleIds).toEqual(small.sampleIds);
    expect(back.classNames).toEqual(small.classNames);
    expect(back.labels).toEqual(small.labels);
    for (let m = 0; m < 3; m++) {
      expect(back.omics[m].featureNames).toEqual(small.omics[m].featureNames);
      expect(back.omics[m].values.data).toEqual(small.omics[m].values.data);
    }
    expect(back.warnings).toEqual([]);
  });

  it('writes the split, quotes awkward ids and leaves absent rows empty', async () => {
    const cohort: Cohort = {
      name: 'tiny',
      sampleIds: ['a,1', 'b "2"', 'c'],
      classNames: ['x', 'y'],
      labels: Int32Array.from([0, 1, 1]),
      omics: [
        {
          name: 'm',
          file: 'm.csv',
          featureNames: ['g1', 'g2'],
          values: createMatrix(3, 2, Float64Array.from([1.5, Number.NaN, 7, 8, 9, 10])),
          present: Uint8Array.from([1, 1, 0]),
          orientation: 'rows',
          missingCells: 1,
        },
        {
          name: 'n',
          file: 'n.csv',
          featureNames: ['h'],
          values: createMatrix(3, 1, Float64Array.from([-0, 2, 3])),
          present: Uint8Array.from([1, 1, 1]),
          orientation: 'rows',
          missingCells: 0,
        },
      ],
      split: ['train', 'test', 'train'],
      warnings: [],
    };
    const dir = join(makeFolder({}), 'tiny');
    await writeCohort(cohort, dir);
    expect(readFileSync(join(dir, 'm.csv'), 'utf8')).toBe('sample,g1,g2\n"a,1",1.5,\n"b ""2""",7,8\nc,,\n');
    expect(readFileSync(join(dir, 'split.csv'), 'utf8')).toBe(
      'sample,split\n"a,1",train\n"b ""2""",test\nc,train\n',
    );
    const back = await loadCohort(dir, { missingOmics: 'keep' });
    expect(back.sampleIds).toEqual(cohort.sampleIds);
    expect(back.split).toEqual(cohort.split);
    expect(Array.from(back.omics[0].present)).toEqual([1, 1, 0]);
    expect(Object.is(back.omics[1].values.data[0], -0)).toBe(true);
  });

  it('refuses to replace files unless overwrite is set', async () => {
    const dir = join(makeFolder({}), 'again');
    await writeCohort(small, dir);
    await expect(writeCohort(small, dir)).rejects.toThrow(
      /cnv\.csv already exists; choose an empty folder or set overwrite/,
    );
    await expect(writeCohort(small, dir, { overwrite: true })).resolves.toHaveLength(4);
    expect(readdirSync(dir).some((name) => name.includes('.tmp-'))).toBe(false);
  });

  it('writes gzipped omics files on request', async () => {
    const dir = join(makeFolder({}), 'gz');
    const paths = await writeCohort(small, dir, { gzip: true });
    expect(paths[0].endsWith('cnv.csv.gz')).toBe(true);
    expect(gunzipSync(readFileSync(paths[0])).toString('utf8').startsWith('sample,cnv_01,cnv_02')).toBe(true);
    expect(existsSync(join(dir, 'labels.csv'))).toBe(true);
    const back = await loadCohort(dir);
    expect(back.omics[1].values.data).toEqual(small.omics[1].values.data);
  });
});
