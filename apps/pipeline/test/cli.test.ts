import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    expect(result.stderr).toMatch(/unknown command "train"; the commands are run, simulate, fetch and doctor/);
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
  it('stops before any work, names the class and leaves no run directory', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-c07-')), 'run');
    const result = bml(['run', '--data', c07!, '--out', out, '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/class C \(1 sample\) cannot be in the training and the test part of a 5-fold/);
    expect(existsSync(out)).toBe(false);
  });
});

const c05 = sharedPath('cases/c05/KIRC');

describe.skipIf(!c05)('string class labels', () => {
  it('prints and saves the class codes, keeping "7" a string', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-c05-')), 'run');
    const config = join(mkdtempSync(join(tmpdir(), 'bml-config-')), 'tiny.json');
    writeFileSync(
      config,
      JSON.stringify({
        workers: 1,
        split: { repeats: 1 },
        autoencoder: { epochs: 2 },
        stageA: { epochs: 10 },
        distill: { epochs: 5 },
        balance: { epochs: 10 },
      }),
    );
    const result = bml(['run', '--data', c05!, '--out', out, '--config', config, '--quiet']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/classes \(code, name, samples\): 0 "7" 3, 1 "ccA" 5, 2 "ccB" 5, 3 "mixed" 3/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.cohort.classes).toEqual(['7', 'ccA', 'ccB', 'mixed']);
    expect(existsSync(join(out, 'INCOMPLETE'))).toBe(false);
  });
});

/** Writes a cohort folder from `files` (name -> text) and returns its path. */
function cohortFolder(files: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bml-cohort-')), 'cohort');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Twelve samples of classes A and B with two informative features. */
function goodCohort(extra: Record<string, string> = {}): Record<string, string> {
  const ids = Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
  const labels = ['sample,label', ...ids.map((id, i) => `${id},${i % 2 === 0 ? 'A' : 'B'}`)].join('\n');
  const mrna = ['sample,g1,g2,g3', ...ids.map((id, i) => `${id},${i % 2},${(i * 7) % 5},${i}`)].join('\n');
  return { 'labels.csv': `${labels}\n`, 'mrna.csv': `${mrna}\n`, ...extra };
}

describe('bml run rejects bad input before creating the run directory', () => {
  const cases: { name: string; files: Record<string, string>; message: RegExp }[] = [
    {
      name: 'a non-numeric cell',
      files: goodCohort({ 'mrna.csv': 'sample,g1\ns01,1\ns02,inf\n' }),
      message: /mrna\.csv line 3 \(sample s02\), column g1: "inf" is not a number/,
    },
    {
      name: 'every feature filtered out',
      files: goodCohort({
        'mrna.csv': `sample,g1,g2\n${Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')},5,${i === 0 ? 1 : 'NA'}`).join('\n')}\n`,
      }),
      message: /outer split 1: .*mrna: no feature is left after preprocessing \(2 features: 0 without values, 1 missing in more than 10% .*, 1 constant\)/,
    },
    {
      name: 'a training part with one class',
      files: goodCohort({
        'split.csv': `id,split\n${Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')},${i % 2 === 0 ? 'train' : 'test'}`).join('\n')}\n`,
      }),
      message: /the training part of outer split 1 has samples of class A only/,
    },
    {
      name: 'a memory limit below the estimate',
      files: goodCohort({ 'config.json': '{"memory": {"limitMB": 0.01}}' }),
      message: /this run needs an estimated .* but 0\.0 MiB is available \(the limit memory\.limitMB = 0\.01\)/,
    },
    {
      name: 'a single class',
      files: goodCohort({ 'labels.csv': `sample,label\n${Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')},A`).join('\n')}\n` }),
      message: /has 1 class \(A\); classification needs at least 2 classes/,
    },
  ];

  it.each(cases)('$name: exit code 2, the value and the fix, no directory', ({ files, message }) => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-bad-')), 'run');
    const result = bml(['run', '--data', cohortFolder(files), '--out', out, '--quiet']);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('keeps an earlier run when --force meets bad input', () => {
    const out = mkdtempSync(join(tmpdir(), 'bml-force-'));
    writeFileSync(join(out, 'metrics.json'), '{"earlier": true}');
    const data = cohortFolder(goodCohort({ 'mrna.csv': 'sample,g1\ns01,1\ns02,1,2\n' }));
    const result = bml(['run', '--data', data, '--out', out, '--force', '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/mrna\.csv line 3 has 3 fields, expected 2/);
    expect(readdirSync(out)).toEqual(['metrics.json']);
    expect(readFileSync(join(out, 'metrics.json'), 'utf8')).toBe('{"earlier": true}');
  });
});

const c10 = sharedPath('cases/c10');

describe.skipIf(!c10)('aliquots that collide at patient level', () => {
  it('reports the duplicate rows with --id-match patient', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-c10-')), 'run');
    const result = bml(['run', '--data', c10!, '--out', out, '--quiet', '--id-match', 'patient']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/mrna\.csv has several rows for the same sample: TCGA-Z1-A003/);
    expect(result.stderr).toMatch(/duplicateSamples: 'mean'/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an unknown --id-match value', () => {
    const result = bml(['run', '--data', c10!, '--quiet', '--id-match', 'aliquot']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"input.idMatch" is "aliquot"; use one of exact, sample, patient/);
  });
});

const c11 = sharedPath('cases/c11');

describe.skipIf(!c11)('normal and metastatic samples of labelled patients', () => {
  it('names the samples left out when the check then stops the run', () => {
    const result = bml(['run', '--data', c11!, '--quiet', '--id-match', 'patient']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bml: warning: mrna: 3 samples of labelled patients .*TCGA-Z1-A001-11A \(type 11, solid tissue normal\)/);
    expect(result.stderr).toMatch(/too small for a validation part/);
  });
});

describe('bml fetch', () => {
  it('exits 2 naming the URL when the hub answers 404', async () => {
    const server = createServer((_request, response) => response.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/download/`;
    const out = join(mkdtempSync(join(tmpdir(), 'bml-fetch-')), 'cohort');
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [cli, 'fetch', 'xena-brca', '--out', out, '--base-url', baseUrl, '--retries', '0'],
          { env: { ...process.env, INIT_CWD: tmpdir() } },
          (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
        );
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${baseUrl}TCGA.BRCA.sampleMap/BRCA_clinicalMatrix.gz was not found (HTTP 404`);
      expect(result.stderr).toMatch(/check --base-url/);
      expect(existsSync(out)).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('a training failure', () => {
  // A learning rate of 1e30 makes the autoencoder's loss non-finite in its first epochs, in every omics.
  it.each([1, 2])('exits 3 with bml\'s message on %i worker(s)', (workers) => {
    const dir = mkdtempSync(join(tmpdir(), 'bml-nan-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ autoencoder: { learningRate: 1e30 } }));
    const result = bml(['run', '--config', config, '--workers', String(workers), '--out', join(dir, 'run'), '--quiet']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/@bml\/autoencoder: the (training|validation) loss became/);
    // The message names where it happened: the split, the stage and the omics.
    expect(result.stderr).toMatch(/bml: outer split 1, autoencoder of omics "(cnv|mrna|rppa)": @bml\/autoencoder/);
    expect(result.stderr).not.toMatch(/internal error/);
    // A failed run discards its directory.
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});

const c04 = sharedPath('cases/c04');

describe.skipIf(!c04)('closed output pipes', () => {
  it('still finish the run and exit 0', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'bml-pipe-')), 'run');
    const child = spawn(process.execPath, [cli, 'run', '--data', c04!, '--repeats', '1', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, INIT_CWD: tmpdir() },
    });
    // The reader goes away at once, as `head` does after its lines.
    child.stdout.destroy();
    child.stderr.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'metrics.json', 'predictions.csv']);
  }, 120_000);
});

describe('split flags', () => {
  it('rejects --repeats together with --folds', () => {
    const result = bml(['run', '--repeats', '2', '--folds', '3', '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--repeats 2 and --folds 3 choose two different split protocols; give one of them/);
  });

  it('names the valid range of a negative count', () => {
    const repeats = bml(['run', '--repeats', '-1', '--quiet']);
    expect(repeats.code).toBe(2);
    expect(repeats.stderr).toMatch(/"split\.repeats" must be a positive integer, got -1/);
    const workers = bml(['run', '--workers', '-2', '--quiet']);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toMatch(/--workers -2: give 0 \(one per core\) or a positive number of threads/);
  });

  it.each(['', '0x2', '1e3', '2.5'])('rejects --workers "%s"', (value) => {
    const result = bml(['run', '--workers', value, '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--workers .*give 0 \(one per core\) or a positive number of threads/);
  });

  it('rejects a hexadecimal --repeats', () => {
    const result = bml(['run', '--repeats', '0x3', '--quiet']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--repeats must be an integer, got "0x3"/);
  });
});
