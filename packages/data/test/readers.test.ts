import { join } from 'node:path';
import { InvalidInputError, toRows } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { readLabelFile, readOmicsFile, readTextFile } from '../src/index.js';
import { makeFolder } from './fixtures.js';

const ROWS_CSV = 'sample,g1,g2,g3\ns01,1,2,3\ns02,4,5,6\n';

async function readOne(name: string, text: string, options = {}) {
  const dir = makeFolder({ [name]: text });
  return readOmicsFile(join(dir, name), options);
}

async function readError(name: string, text: string, options = {}): Promise<InvalidInputError> {
  try {
    await readOne(name, text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('readOmicsFile formats', () => {
  it('reads a CSV with samples as rows', async () => {
    const table = await readOne('mrna.csv', ROWS_CSV);
    expect(table.name).toBe('mrna');
    expect(table.sampleIds).toEqual(['s01', 's02']);
    expect(table.featureNames).toEqual(['g1', 'g2', 'g3']);
    expect(toRows(table.values)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('reads a TSV', async () => {
    const table = await readOne('cnv.tsv', 'id\tg1\tg2\ns01\t1.5\t-2\n');
    expect(table.name).toBe('cnv');
    expect(toRows(table.values)).toEqual([[1.5, -2]]);
  });

  it('reads gzipped CSV and TSV', async () => {
    const csv = await readOne('mrna.csv.gz', ROWS_CSV);
    expect(csv.name).toBe('mrna');
    expect(toRows(csv.values)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const tsv = await readOne('cnv.tsv.gz', 'sample\ta\ns1\t7\n');
    expect(tsv.name).toBe('cnv');
    expect(toRows(tsv.values)).toEqual([[7]]);
  });

  it('reads samples as columns and transposes them', async () => {
    const text = 'gene\ts01\ts02\ts03\nTP53\t1\t2\t3\nESR1\t4\t5\t6\n';
    const table = await readOne('mrna.tsv', text, { orientation: 'columns' });
    expect(table.orientation).toBe('columns');
    expect(table.sampleIds).toEqual(['s01', 's02', 's03']);
    expect(table.featureNames).toEqual(['TP53', 'ESR1']);
    expect(toRows(table.values)).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('detects samples as columns from known ids', async () => {
    const text = 'sample,s01,s02\nTP53,1,2\n';
    const table = await readOne('mrna.csv', text, { sampleIds: ['s01', 's02', 's09'] });
    expect(table.orientation).toBe('columns');
    expect(table.sampleIds).toEqual(['s01', 's02']);
  });

  it('detects samples as rows from known ids', async () => {
    const table = await readOne('mrna.csv', ROWS_CSV, { sampleIds: ['s02'] });
    expect(table.orientation).toBe('rows');
  });

  it('accepts any header over the id column, even an empty one', async () => {
    for (const header of ['sample', 'sample_id', '', 'whatever']) {
      const table = await readOne('m.csv', `${header},g1\nx1,1\n`);
      expect(table.sampleIds).toEqual(['x1']);
      expect(table.featureNames).toEqual(['g1']);
    }
  });

  it('reads a header without the id column (R write.table style)', async () => {
    const table = await readOne('m.csv', 'g1,g2\nx1,1,2\nx2,3,4\n');
    expect(table.featureNames).toEqual(['g1', 'g2']);
    expect(table.sampleIds).toEqual(['x1', 'x2']);
  });

  it('reads quoted fields with delimiters, quotes and line breaks', async () => {
    const text = '"sample","gene, one","say ""hi""","multi\nline"\n"s,1","1.5"," 2 ",3\n';
    const table = await readOne('m.csv', text);
    expect(table.featureNames).toEqual(['gene, one', 'say "hi"', 'multi\nline']);
    expect(table.sampleIds).toEqual(['s,1']);
    expect(toRows(table.values)).toEqual([[1.5, 2, 3]]);
  });

  it('reads CRLF line ends, a byte-order mark and blank lines', async () => {
    const table = await readOne('m.csv', '\uFEFFsample,g1\r\ns1,1\r\n\r\ns2,2\r\n');
    expect(table.featureNames).toEqual(['g1']);
    expect(table.sampleIds).toEqual(['s1', 's2']);
    expect(toRows(table.values)).toEqual([[1], [2]]);
  });

  it('reads a file without a final line end', async () => {
    const table = await readOne('m.csv', 'sample,g1\ns1,1\ns2,2');
    expect(toRows(table.values)).toEqual([[1], [2]]);
  });

  it('sniffs a tab-delimited file named .csv', async () => {
    const table = await readOne('m.csv', 'sample\tg1\tg2\ns1\t1\t2\n');
    expect(table.featureNames).toEqual(['g1', 'g2']);
  });

  it('reads missing-value tokens and trims padded numbers', async () => {
    const text = 'sample,a,b,c,d,e,f\ns1,NA,NaN,null,#N/A,, 2.0 \n';
    const table = await readOne('m.csv', text);
    const row = Array.from(table.values.data);
    expect(row.slice(0, 5).every(Number.isNaN)).toBe(true);
    expect(row[5]).toBe(2);
  });

  it('merges duplicated feature names by their mean, with a warning', async () => {
    const text = 'sample,g1,g2,g1\ns1,1,5,3\ns2,NA,6,4\ns3,NA,7,NA\n';
    const table = await readOne('m.csv', text);
    expect(table.featureNames).toEqual(['g1', 'g2']);
    const rows = toRows(table.values);
    expect(rows[0]).toEqual([2, 5]);
    expect(rows[1]).toEqual([4, 6]);
    expect(rows[2][0]).toBeNaN();
    expect(table.warnings).toHaveLength(1);
    expect(table.warnings[0].code).toBe('DUPLICATE_FEATURES_MERGED');
    expect(table.warnings[0].ids).toEqual(['g1']);
    expect(table.warnings[0].message).toMatch(/g1 \(2 times\)/);
  });

  it('reads a large file through the fast number path', async () => {
    const genes = 2000;
    const samples = 50;
    const lines = [['gene', ...Array.from({ length: samples }, (_, s) => `S${s}`)].join('\t')];
    for (let g = 0; g < genes; g++) {
      const cells = Array.from({ length: samples }, (_, s) => ((g * 31 + s * 7) % 1000) / 64);
      lines.push([`G${g}`, ...cells].join('\t'));
    }
    const table = await readOne('big.tsv.gz', lines.join('\n'), { orientation: 'columns' });
    expect(table.values.rows).toBe(samples);
    expect(table.values.cols).toBe(genes);
    expect(table.values.data[17 * genes + 1234]).toBe(((1234 * 31 + 17 * 7) % 1000) / 64);
  });
});

describe('readOmicsFile errors', () => {
  it('names file, line, sample and column of a non-numeric cell', async () => {
    const error = await readError('mrna.csv', 'sample,g1,g2\ns01,1,2\ns02,3,abc\n');
    expect(error.message).toMatch(
      /^@bml\/data: mrna\.csv line 3 \(sample s02\), column g2: "abc" is not a number/,
    );
    expect(error.message).toMatch(/NA, NaN, null, #N\/A or an empty cell/);
    expect(error.code).toBe('NOT_A_NUMBER');
    expect(error.details).toMatchObject({ file: 'mrna.csv', line: 3, row: 's02', column: 'g2', value: 'abc' });
  });

  it('counts and lists every non-numeric cell', async () => {
    const error = await readError('m.csv', 'sample,g1,g2\ns1,inf,2\ns2,"1,5",x\n');
    expect(error.message).toMatch(/line 2 \(sample s1\), column g1: "inf"/);
    expect(error.message).toMatch(/3 non-numeric cells in all: s1\/g1 "inf", s2\/g1 "1,5", s2\/g2 "x"/);
  });

  it('names the feature row and sample column in a samples-as-columns file', async () => {
    const error = await readError('m.tsv', 'gene\ts1\ts2\nTP53\t1\tbad\n', { orientation: 'columns' });
    expect(error.message).toMatch(
      /m\.tsv line 2 \(feature TP53\), column of sample s2: "bad" is not a number/,
    );
  });

  it('rejects a row with a wrong number of fields', async () => {
    const error = await readError('m.csv', 'sample,g1,g2\ns1,1,2\ns2,3\n');
    expect(error.message).toMatch(/m\.csv line 3 has 2 fields, expected 3/);
    const extra = await readError('m.csv', 'sample,g1\ns1,1,2,3\n');
    expect(extra.message).toMatch(/line 2 has 4 fields, expected 2/);
  });

  it('rejects an empty id, an empty header cell and an empty file', async () => {
    expect((await readError('m.csv', 'sample,g1\n,1\n')).message).toMatch(
      /line 2: the id in the first column is empty/,
    );
    expect((await readError('m.csv', 'sample,g1,\ns1,1,2\n')).message).toMatch(/header column 3 is empty/);
    expect((await readError('m.csv', '\n\n')).message).toMatch(/m\.csv is empty/);
    expect((await readError('m.csv', 'sample\ns1\n')).message).toMatch(/has no value columns/);
  });

  it('rejects an unclosed quote with its line', async () => {
    const error = await readError('m.csv', 'sample,g1\ns1,1\ns2,"2\n');
    expect(error.message).toMatch(/m\.csv line 3: a quoted field is never closed/);
  });

  it('rejects a .gz file that is not gzipped', async () => {
    const dir = makeFolder({ 'plain.csv': ROWS_CSV });
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'plain.csv'), join(dir, 'plain.csv.gz'));
    await expect(readOmicsFile(join(dir, 'plain.csv.gz'))).rejects.toThrow(
      /ends in \.gz but is not gzip-compressed/,
    );
  });

  it('rejects a missing file with its path', async () => {
    await expect(readTextFile('/nonexistent/bml/m.csv')).rejects.toThrow(
      /cannot read \/nonexistent\/bml\/m\.csv: the file does not exist/,
    );
  });

  it('rejects auto orientation when no id matches', async () => {
    const error = await readError('m.csv', ROWS_CSV, { sampleIds: ['x1', 'x2'] });
    expect(error.message).toMatch(
      /m\.csv: no id in its first column \(s01, s02\) or header \(g1, g2, g3\) matches a label id/,
    );
  });
});

describe('separators bml does not read', () => {
  it('names a semicolon in an omics header', async () => {
    const error = await readError('mrna.csv', 'sample;g1;g2\ns01;1;2\ns02;3;4\n');
    expect(error.message).toMatch(/separated by ";", but bml reads commas or tabs \(this file: commas\); convert the separators/);
  });

  it('names a semicolon in a labels header', async () => {
    const dir = makeFolder({ 'labels.csv': 'sample;label\ns01;A\ns02;B\n' });
    await expect(readLabelFile(join(dir, 'labels.csv'))).rejects.toThrow(/single column.*separated by ";"/);
  });

  it('adds no hint to a plain single-column header', async () => {
    const error = await readError('mrna.csv', 'sample\ns01\ns02\n');
    expect(error.message).not.toMatch(/separated by/);
  });
});
