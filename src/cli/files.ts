// The command line's files, with errors that say what a file is for and how to get it: a file
// that cannot be read or written is a BranchyInputError (exit code 2), never a raw ENOENT stack.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { BranchyInputError } from '../errors.js';

const reason = (e: unknown): string => {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (e as Error).message;
};

/** A file the command reads. `what` names it ("the model"); `howTo` says how to make it, when it is missing. */
export async function readInput(file: string, what: string, howTo?: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ENOENT';
    throw new BranchyInputError(`cannot read ${what} (${file}): ${reason(e)}${missing && howTo ? `. ${howTo}` : ''}`);
  }
}

/** A directory the command writes into (made with its parents). */
export async function makeDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new BranchyInputError(`cannot make ${what} (${dir}): ${(e as { code?: string }).code === 'EEXIST' ? 'a file has that name' : reason(e)}`);
  }
}

/** A file the command writes. */
export async function writeOutput(file: string, data: Uint8Array | string, what: string): Promise<void> {
  try {
    await writeFile(file, data);
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ENOENT';
    throw new BranchyInputError(`cannot write ${what} (${file}): ${missing ? 'its directory does not exist' : reason(e)}`);
  }
}
