#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { BmlError, exitCodeFor, InvalidInputError } from '@bml/core';
import { doctorCommand, doctorHelp } from './cli/doctor-command.js';
import { fetchCommand, fetchHelp, fetchOptions, splitFetchArguments } from './cli/fetch-command.js';
import { runCommand, runHelp } from './cli/run-command.js';
import { simulateCommand, simulateHelp } from './cli/simulate-command.js';

const mainHelp = `Usage: bml <command> [options]

Balanced multimodal learning on multi-omics cohorts.

Commands:
  run        train and evaluate the balanced method on a cohort (or the simulated one)
  simulate   write the built-in simulated cohort as files
  fetch      download TCGA breast cancer data from UCSC Xena as a cohort folder (fetch xena-brca)
  doctor     show the tensor backend, threads and versions, and how to get faster

Run bml <command> --help for the options of a command.
Exit codes: 0 success, 1 internal error, 2 invalid input or usage,
3 numerical failure, 130 interrupted.
`;

const runOptions = {
  data: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  repeats: { type: 'string' },
  folds: { type: 'string' },
  splits: { type: 'string', multiple: true },
  labels: { type: 'string' },
  'test-labels': { type: 'string' },
  'id-match': { type: 'string' },
  workers: { type: 'string' },
  preset: { type: 'string' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const simulateOptions = {
  out: { type: 'string' },
  seed: { type: 'string' },
  force: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const doctorOptions = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<T extends NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>>(
  args: string[],
  options: T,
  command: string,
) {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new InvalidInputError(
      `bml ${command}: ${(error as Error).message}; run bml ${command} --help for the options`,
      'USAGE',
    );
  }
}

/**
 * Joins `--name -1` into `--name=-1` for options that take a value. `parseArgs` would read `-1` as
 * an option and reject the pair, and the option's own check then names the valid range instead.
 */
function joinNegativeValues(args: string[], options: Record<string, { type: string }>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${args[i]}=${next}`);
      i++;
    } else {
      joined.push(args[i]);
    }
  }
  return joined;
}

/** Runs the command line `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(mainHelp);
    return command === undefined ? 2 : 0;
  }
  switch (command) {
    case 'run': {
      const flags = parse(rest, runOptions, 'run');
      if (flags.help) return write(runHelp);
      return runCommand(flags, argv);
    }
    case 'simulate': {
      const flags = parse(rest, simulateOptions, 'simulate');
      if (flags.help) return write(simulateHelp);
      return simulateCommand(flags);
    }
    case 'fetch': {
      const { source, options } = splitFetchArguments(rest);
      const flags = parse(options, fetchOptions, 'fetch');
      if (flags.help) return write(fetchHelp);
      return fetchCommand(source, flags, argv);
    }
    case 'doctor': {
      const flags = parse(rest, doctorOptions, 'doctor');
      if (flags.help) return write(doctorHelp);
      return doctorCommand(flags);
    }
    default:
      throw new InvalidInputError(`bml: unknown command "${command}"; the commands are run, simulate, fetch and doctor`, 'USAGE');
  }
}

function write(text: string): number {
  process.stdout.write(text);
  return 0;
}

/**
 * Ignores writes to a closed pipe (`bml run | head`), so that the run still finishes and writes its
 * files. Any other stream error is rethrown.
 */
function ignoreClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}
process.stdout.on('error', ignoreClosedPipe);
process.stderr.on('error', ignoreClosedPipe);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = exitCodeFor(error);
    if (error instanceof BmlError && code !== 1) {
      process.stderr.write(`${error.message}\n`);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(
        `bml: internal error, which is a bug in bml. Please report it with the command line and the run's config.json.\n${detail}\n`,
      );
    }
    process.exitCode = code;
  },
);
