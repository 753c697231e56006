// File reading for the CLI, with the one-line errors a user can act on.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../errors.ts';
import { parseIdx } from '../data/idx.ts';

export function readBytes(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw new InputError(`${what} not found: ${path}`);
  return readFileSync(path);
}

/**
 * A model's external-data files, read from beside it as the model names them (ONNX: paths
 * relative to the model's folder; one that leaves the folder is refused).
 */
export function besideModel(modelPath: string): (location: string) => Uint8Array {
  return (location) => {
    if (isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
      throw new InputError(`${modelPath}: external data location "${location}" must be a path inside the model's folder`);
    }
    return readBytes(join(dirname(modelPath), location), `external data of ${modelPath}`);
  };
}

export const readIdx = (path: string, what: string) => parseIdx(readBytes(path, what), path);
