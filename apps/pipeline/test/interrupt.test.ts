/**
 * An interrupted `bml run`: the CLI is spawned on the simulated cohort and
 * sent a signal while it works. The run directory must stay marked
 * INCOMPLETE, hold only complete files, and the exit code must be 130.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INCOMPLETE_MARKER } from '../src/index.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/** Waits until `ready()` holds, polling every 50 ms, or fails after `timeoutMs`. */
async function waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts `bml run` on the simulated cohort, sends `signal` once `when` holds
 * for the standard error seen so far (and the run directory exists), and
 * returns the exit code, the signal that ended the process and the output.
 */
async function interruptRun(
  signal: NodeJS.Signals,
  when: (stderr: string) => boolean,
): Promise<{ out: string; code: number | null; endSignal: NodeJS.Signals | null; stderr: string }> {
  const out = join(mkdtempSync(join(tmpdir(), 'bml-interrupt-')), 'run');
  const child = spawn(process.execPath, [cli, 'run', '--out', out, '--seed', '3'], {
    env: { ...process.env, INIT_CWD: tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; endSignal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, endSignal) => resolve({ code, endSignal })),
  );
  try {
    await waitFor(() => existsSync(out) && when(stderr), 60_000, `the run directory and the ${signal} moment`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  child.kill(signal);
  const { code, endSignal } = await exited;
  return { out, code, endSignal, stderr };
}

/** Asserts that every file in `dir` parses: JSON files as JSON, CSV files with one field count throughout. */
function expectEveryFileParses(dir: string): void {
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    expect(name, 'a temporary file was left behind').not.toMatch(/\.tmp-/);
    if (name.endsWith('.json')) {
      expect(() => JSON.parse(text), `${name} parses as JSON`).not.toThrow();
    } else if (name.endsWith('.csv')) {
      const lines = text.trimEnd().split('\n');
      const fields = lines[0].split(',').length;
      expect(lines.every((line) => line.split(',').length === fields), `${name} has ragged lines`).toBe(true);
    }
  }
}

describe('bml run interrupted', () => {
  it('SIGINT right after the run directory appears', async () => {
    const run = await interruptRun('SIGINT', () => true);
    expect(run.endSignal).toBeNull();
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/bml: interrupted by SIGINT; .* is marked INCOMPLETE/);
    const marker = readFileSync(join(run.out, INCOMPLETE_MARKER), 'utf8');
    expect(marker).toMatch(/^This run was interrupted by SIGINT at \d{4}-\d\d-\d\dT/);
    expect(readdirSync(run.out)).not.toContain('metrics.json');
    expectEveryFileParses(run.out);
  });

  it('SIGTERM during training', async () => {
    const run = await interruptRun('SIGTERM', (stderr) => /\[split 1\] split: training/.test(stderr));
    expect(run.code).toBe(130);
    expect(readFileSync(join(run.out, INCOMPLETE_MARKER), 'utf8')).toMatch(/interrupted by SIGTERM/);
    expectEveryFileParses(run.out);
  });
});
