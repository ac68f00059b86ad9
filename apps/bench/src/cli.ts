#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '@bml/core/tensor';
import { measureCase, type CaseRecord } from './measure.js';
import { suites } from './suites/index.js';

const help = `Usage: pnpm bench <suite> [--json] [--markdown] [--quick] [--case NAME]

Suites: ${Object.keys(suites).join(', ')}

Each case runs in its own process, so its peak memory is its own.
  --json        print one JSON document with a record per case
  --markdown    print a Markdown table for docs/benchmarks.md
  --quick       smaller shapes (used by the suite tests)
  --case NAME   run only the cases whose name contains NAME
`;

async function runChild(suiteName: string, caseName: string, quick: boolean): Promise<void> {
  await initBackend();
  const suite = suites[suiteName];
  const benchCase = (await suite.cases({ quick })).find((c) => c.name === caseName);
  if (!benchCase) throw new Error(`no case ${caseName} in suite ${suiteName}`);
  const record = await measureCase(benchCase);
  process.stdout.write(`\n@@record ${JSON.stringify(record)}\n`);
}

function formatTable(records: CaseRecord[]): string {
  const lines = [
    '| case | sizes | median ms | min-max ms | peak RSS MB | metrics |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of records) {
    const sizes = Object.entries(r.sizes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const metrics = Object.entries(r.metrics ?? {})
      .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`)
      .join(', ');
    lines.push(
      `| ${r.name} | ${sizes} | ${r.medianMs.toFixed(1)} | ${r.minMs.toFixed(1)}-${r.maxMs.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${metrics} |`,
    );
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
      quick: { type: 'boolean' },
      case: { type: 'string' },
      child: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [suiteName] = positionals;

  if (values.help || !suiteName) {
    process.stdout.write(help);
    return values.help ? 0 : 2;
  }
  const suite = suites[suiteName];
  if (!suite) {
    process.stderr.write(`bench: unknown suite "${suiteName}"; the suites are ${Object.keys(suites).join(', ')}\n`);
    return 2;
  }
  const quick = values.quick ?? false;
  if (values.child) {
    await runChild(suiteName, values.child, quick);
    return 0;
  }

  const backend = await initBackend();
  const cases = (await suite.cases({ quick })).filter((c) => !values.case || c.name.includes(values.case));
  const records: CaseRecord[] = [];
  const script = fileURLToPath(import.meta.url);
  for (const benchCase of cases) {
    if (!values.json) process.stderr.write(`running ${suite.name}/${benchCase.name}\n`);
    const args = [script, suiteName, '--child', benchCase.name, ...(quick ? ['--quick'] : [])];
    const output = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = output.split('\n').find((l) => l.startsWith('@@record '));
    if (!line) throw new Error(`case ${benchCase.name} printed no record`);
    records.push(JSON.parse(line.slice('@@record '.length)) as CaseRecord);
  }

  const document = {
    suite: suite.name,
    description: suite.description,
    command: `pnpm bench ${argv.join(' ')}`,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, backend: backend.name },
    date: new Date().toISOString(),
    cases: records,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  else process.stdout.write(`${formatTable(records)}\n`);
  if (values.markdown && values.json) process.stderr.write(`${formatTable(records)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
