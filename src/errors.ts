// Typed errors: every failure a user can cause names what was wrong and where.

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

export interface UnsupportedOpSite {
  op: string;
  node: string;
  /** The ONNX opset of the op's domain; absent for TF.js graphs, which have none. */
  opset?: number;
  domain?: string;
  /** Set when the op is known but this use of it is not (e.g. a 1-D Conv). */
  reason?: string;
  /** Where the node sits when it is inside a subgraph, e.g. 'If_25/else_branch'. */
  subgraph?: string;
}

/** Lists every unsupported op of a model at once, so one import run shows all the work needed. */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
  constructor(readonly sites: UnsupportedOpSite[]) {
    super(
      `unsupported op${sites.length > 1 ? 's' : ''}: ` +
        sites
          .map((s) => `${s.domain ? s.domain + '.' : ''}${s.op} (node "${s.node}"${s.subgraph ? ` in ${s.subgraph}` : ''}${s.opset === undefined ? '' : `, opset ${s.opset}`})${s.reason ? ': ' + s.reason : ''}`)
          .join('; '),
    );
  }
}

/** A well-formed model that uses a feature outside what the engine supports (opset, dtype, ...). */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

export class InputError extends Error {
  override name = 'InputError';
}

/** An optional package a feature needs is not installed; the message says what to install. */
export class MissingDependencyError extends InputError {
  override name = 'MissingDependencyError';
  constructor(readonly packageName: string, feature: string) {
    super(`${feature} needs the optional package ${packageName}: npm install ${packageName}`);
  }
}

/** Calibration cannot give a range: no samples, or a method or option that does not exist. */
export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/** The GPU device was lost (destroyed, driver reset, tab backgrounded): create a new session. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/**
 * WebGPU refused commands of a run (a validation error: a command that would otherwise have done
 * nothing, leaving stale or zero output), or a program's buffers or bind groups at creation. The
 * message is the implementation's and names the object it refused. Every run is checked, so such
 * an output is never returned.
 */
export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

/** A tensor or buffer exceeds what the device allows; names the limit, its value and what was asked. */
export class LimitError extends Error {
  override name = 'LimitError';
}

/**
 * A node that cannot run, or whose shapes cannot be inferred, on the tensors it is given: the
 * feeds were checked against the declared inputs, so the model is at fault (its shapes or
 * attributes disagree) and says where. A TypeError is a bug of ours, not the model's, and is
 * passed on as one.
 */
export function nodeError(where: string, e: unknown): Error {
  if (e instanceof TypeError || !(e instanceof Error)) return e as Error;
  if (e instanceof InputError) return e;
  if ((e instanceof ModelFormatError || e instanceof LimitError) && e.message.startsWith(`${where}:`)) return e; // named already
  // A limit keeps its class; either way the message gains the node it happened in.
  const As = e instanceof LimitError ? LimitError : ModelFormatError;
  return new As(`${where}: ${e.message}`, { cause: e });
}
