import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopOnSignals } from '../src/io/interrupt.js';
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

  it('replaces an earlier run with force', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    writeFileSync(join(path, 'metrics.json'), 'earlier run');
    writeFileSync(join(path, 'predictions.csv'), 'earlier run');
    writeFileSync(join(path, INCOMPLETE_MARKER), 'earlier run');
    RunDirectory.create(path, { force: true });
    expect(readdirSync(path)).toEqual([INCOMPLETE_MARKER]);
  });

  it('keeps a cohort folder under force', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    writeFileSync(join(path, 'mrna.csv'), 'id,g1\ns1,1\n');
    writeFileSync(join(path, 'labels.csv'), 'id,label\ns1,A\n');
    writeFileSync(join(path, 'metrics.json'), 'earlier run');
    expect(() => RunDirectory.create(path, { force: true })).toThrow(
      /--force replaces only a run directory, and .* contains other files: (labels\.csv, mrna\.csv|mrna\.csv, labels\.csv)/,
    );
    expect(readdirSync(path).sort()).toEqual(['labels.csv', 'metrics.json', 'mrna.csv']);
  });

  it('keeps a folder with subfolders under force', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    mkdirSync(join(path, 'cohort'));
    writeFileSync(join(path, 'cohort', 'labels.csv'), 'id,label\n');
    expect(() => RunDirectory.checkTarget(path, { force: true })).toThrow(/contains other files: cohort/);
    expect(existsSync(join(path, 'cohort', 'labels.csv'))).toBe(true);
  });

  it.skipIf(!existsSync('/proc/self'))('rejects a folder that takes no entries', () => {
    expect(() => RunDirectory.create('/proc/bml-run-directory-test')).toThrow(
      /cannot create the run directory \/proc\/bml-run-directory-test \(ENOENT.*choose an --out in a folder you can write to/,
    );
  });

  it('rejects an --out that is a file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'bml-'));
    const file = join(folder, 'notes.txt');
    writeFileSync(file, 'x');
    expect(() => RunDirectory.checkTarget(file, { force: true })).toThrow(/is an existing file, not a folder/);
    expect(() => RunDirectory.checkTarget(join(file, 'run'))).toThrow(/cannot create the run directory .*notes\.txt is a file/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('checks the target before creating anything', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    expect(() => RunDirectory.checkTarget(path)).not.toThrow();
    writeFileSync(join(path, 'metrics.json'), 'earlier run');
    expect(() => RunDirectory.checkTarget(path)).toThrow(/already exists and is not empty/);
    expect(() => RunDirectory.checkTarget(path, { force: true })).not.toThrow();
    expect(readdirSync(path)).toEqual(['metrics.json']);
    expect(() => RunDirectory.checkTarget(join(path, 'new'))).not.toThrow();
    expect(existsSync(join(path, 'new'))).toBe(false);
  });

  it('removes a directory it created when a run fails before writing results', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bml-')), 'run');
    const dir = RunDirectory.create(path);
    writeFileSync(join(path, 'metrics.json.tmp-1'), '{"trunc');
    expect(dir.discard('training diverged')).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('keeps a directory it did not create, emptied of its marker', () => {
    const path = mkdtempSync(join(tmpdir(), 'bml-'));
    const dir = RunDirectory.create(path);
    expect(dir.discard('bad input')).toBe(false);
    expect(readdirSync(path)).toEqual([]);
  });

  it('keeps written results after a failure and records the reason in the marker', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bml-')), 'run');
    const dir = RunDirectory.create(path);
    dir.writeJson('config.json', { seed: 0 });
    expect(dir.discard('no space left on device')).toBe(false);
    expect(readdirSync(path).sort()).toEqual(['INCOMPLETE', 'config.json']);
    expect(readFileSync(join(path, INCOMPLETE_MARKER), 'utf8')).toMatch(/failed .*: no space left on device/);
  });

  it('marks an interrupted run and removes cut-off temporary files', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bml-')), 'run');
    const dir = RunDirectory.create(path);
    dir.writeJson('config.json', { seed: 0 });
    writeFileSync(join(path, 'metrics.json.tmp-1'), '{"trunc');
    dir.markInterrupted('SIGINT', new Date('2025-01-02T03:04:05Z'));
    expect(readdirSync(path).sort()).toEqual(['INCOMPLETE', 'config.json']);
    expect(readFileSync(join(path, INCOMPLETE_MARKER), 'utf8')).toMatch(
      /^This run was interrupted by SIGINT at 2025-01-02T03:04:05\.000Z and did not finish/,
    );
  });
});

describe('stopOnSignals', () => {
  it('marks the directory and exits with 130 on SIGINT and SIGTERM', () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const path = join(mkdtempSync(join(tmpdir(), 'bml-')), 'run');
      const dir = RunDirectory.create(path);
      const messages: string[] = [];
      const codes: number[] = [];
      const before = process.listenerCount(signal);
      const remove = stopOnSignals(dir, { write: (text) => messages.push(text), exit: (code) => codes.push(code) });
      expect(process.listenerCount(signal)).toBe(before + 1);
      process.emit(signal, signal);
      expect(codes).toEqual([130]);
      expect(messages[0]).toMatch(new RegExp(`^bml: interrupted by ${signal}; .* is marked INCOMPLETE`));
      expect(readFileSync(join(path, INCOMPLETE_MARKER), 'utf8')).toMatch(`interrupted by ${signal}`);
      expect(process.listenerCount(signal)).toBe(before);
      remove();
    }
  });

  it('removes its handlers when the run finishes', () => {
    const dir = RunDirectory.create(join(mkdtempSync(join(tmpdir(), 'bml-')), 'run'));
    const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
    const remove = stopOnSignals(dir, { write: () => {}, exit: () => {} });
    remove();
    expect(process.listenerCount('SIGINT')).toBe(before.SIGINT);
    expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM);
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
