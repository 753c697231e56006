// File reading for the CLI, with the one-line errors a user can act on.
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { parseIdx } from '../data/idx.ts';

export function readBytes(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new InputError(`${what} not found: ${path}`);
  return readFileSync(path);
}

export const readIdx = (path: string, what: string) => parseIdx(readBytes(path, what), path);
