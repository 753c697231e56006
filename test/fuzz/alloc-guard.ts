// Measures (and caps) the largest typed array or ArrayBuffer a piece of code asks for, so the
// fuzz test can check that a file never makes the engine allocate far more than the file holds.
// It wraps the global constructors for the duration of one call; copies made by `.slice()` or
// inside V8 are not seen, but every sized allocation the engine writes as `new XArray(n)` is.

const NAMES = [
  'ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint8ClampedArray', 'Uint16Array', 'Int16Array',
  'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
] as const;

export class AllocationLimitExceeded extends Error {
  override name = 'AllocationLimitExceeded';
}

export interface Guarded<T> {
  value?: T;
  error?: unknown;
  /** The largest single allocation made (within the limit), in bytes. */
  largest: number;
  /** Set when an allocation above the limit was refused (the guard threw). */
  exceeded?: string;
}

export function withAllocationLimit<T>(limitBytes: number, work: () => T): Guarded<T> {
  const globals = globalThis as unknown as Record<string, unknown>;
  const originals = NAMES.map((name) => globals[name] as { BYTES_PER_ELEMENT?: number } & (new (...args: unknown[]) => object));
  const result: Guarded<T> = { largest: 0 };
  NAMES.forEach((name, i) => {
    const original = originals[i]!;
    const element = original.BYTES_PER_ELEMENT ?? 1;
    globals[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        if (typeof args[0] === 'number') {
          const bytes = args[0] * element;
          if (bytes > limitBytes) {
            result.exceeded ??= `new ${name}(${args[0]}) = ${bytes} bytes, limit ${limitBytes}`;
            throw new AllocationLimitExceeded(result.exceeded);
          }
          result.largest = Math.max(result.largest, bytes);
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
  });
  try {
    result.value = work();
  } catch (e) {
    result.error = e;
  } finally {
    NAMES.forEach((name, i) => (globals[name] = originals[i]));
  }
  return result;
}
