// Argument parsing shared by the subcommands (node:util parseArgs), with errors that say what to type.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BranchyInputError } from '../errors.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new BranchyInputError(`${(e as Error).message}\nusage: ${usage}`);
  }
}

export function intOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new BranchyInputError(`--${name} wants a non-negative integer, got '${v}'`);
  return n;
}
