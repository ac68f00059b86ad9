import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '@bml/test-utils';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

function bml(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, INIT_CWD: tmpdir() } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bml command', () => {
  it('prints help and exits 0', () => {
    const result = bml(['run', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--repeats N/);
  });

  it('rejects an unknown command with exit code 2', () => {
    const result = bml(['train']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command "train"; the commands are run, simulate and doctor/);
  });

  it('rejects an unknown option with exit code 2', () => {
    const result = bml(['run', '--epochs', '3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--epochs.*run bml run --help/);
  });

  it('names a missing data folder', () => {
    const result = bml(['run', '--data', 'no-such-cohort']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--data no-such-cohort: no such folder/);
  });

  it('keeps an existing run directory without --force', () => {
    const out = mkdtempSync(join(tmpdir(), 'bml-cli-'));
    writeFileSync(join(out, 'metrics.json'), 'earlier');
    const result = bml(['run', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/already exists.*--force/);
    expect(readFileSync(join(out, 'metrics.json'), 'utf8')).toBe('earlier');
  });

  it('requires --out for simulate', () => {
    const result = bml(['simulate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out DIR is required/);
  });

  it('reports the backend in doctor --json', () => {
    const result = bml(['doctor', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(['tensorflow', 'wasm', 'cpu']).toContain(report.backend);
    expect(report.versions['@bml/snf']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('writes the simulated cohort', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-sim-')), 'cohort');
    const result = bml(['simulate', '--out', out, '--quiet']);
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['cnv.csv', 'labels.csv', 'mrna.csv', 'rppa.csv']);
  });
});

const c07 = sharedPath('cases/c07');

describe.skipIf(!c07)('a class with one sample under 5-fold cross-validation', () => {
  it('stops before any work, names the class and leaves no run files', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-c07-')), 'run');
    const result = bml(['run', '--data', c07!, '--out', out, '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/class "?C"?.*1/);
    expect(existsSync(join(out, 'metrics.json'))).toBe(false);
  });
});
