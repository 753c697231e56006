// Optional packages (npm `webgpu` for Dawn, the bench's playwright-core and tsx) are imported
// when a feature first needs them, never at startup, so what does not need them runs without.
import { MissingDependencyError } from './errors.ts';

/**
 * `load()` (an `import()` of `packageName`, written as a literal so bundlers and the page-safety
 * test see it), except that the package itself being absent is a MissingDependencyError naming
 * it and `feature` (one line for a user). Any other failure (a broken native binary, a missing
 * dependency of the package) keeps its own error.
 */
export async function importOptional<T>(load: () => Promise<T>, packageName: string, feature: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const missing = error.code === 'ERR_MODULE_NOT_FOUND' && error.message.includes(`'${packageName}'`);
    if (missing) throw new MissingDependencyError(packageName, feature);
    throw e;
  }
}
