import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPredictions, INCOMPLETE_MARKER, RunDirectory } from '../src/index.js';

describe('RunDirectory', () => {
  it('marks the directory incomplete until completed', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bml-')), 'run');
    const dir = RunDirectory.create(path);
    expect(existsSync(join(path, INCOMPLETE_MARKER))).toBe(true);
    dir.writeJson('metrics.json', { a: 1 });
    expect(JSON.parse(readFileSync(join(path, 'metrics.json'), 'utf8'))).toEqual({ a: 1 });
    dir.complete();
    expect(readdirSync(path)).toEqual(['metrics.json']);
  });

  it('leaves no temporary files behind', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    const dir = RunDirectory.create(join(path, 'run'));
    dir.writeText('a.txt', 'x');
    expect(readdirSync(join(path, 'run')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a non-empty directory without force', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    writeFileSync(join(path, 'metrics.json'), 'earlier run');
    expect(() => RunDirectory.create(path)).toThrow(/already exists.*--force/);
    expect(readFileSync(join(path, 'metrics.json'), 'utf8')).toBe('earlier run');
  });

  it('replaces a directory with force', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    writeFileSync(join(path, 'old.txt'), 'x');
    RunDirectory.create(path, { force: true });
    expect(readdirSync(path)).toEqual([INCOMPLETE_MARKER]);
  });
});

describe('formatPredictions', () => {
  it('writes the header, quotes fields and one column per class', () => {
    const text = formatPredictions(
      [{ sample: 's,1', repeat: 0, set: 'test', truth: 'A', predicted: 'B', prob: [0.25, 0.75] }],
      ['A', 'B'],
    );
    expect(text).toBe('sample,repeat,set,true,predicted,prob:A,prob:B\n"s,1",0,test,A,B,0.250000,0.750000\n');
  });
});
