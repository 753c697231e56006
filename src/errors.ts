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
}

/** Lists every unsupported op of a model at once, so one import run shows all the work needed. */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
  constructor(readonly sites: UnsupportedOpSite[]) {
    super(
      `unsupported op${sites.length > 1 ? 's' : ''}: ` +
        sites
          .map((s) => `${s.domain ? s.domain + '.' : ''}${s.op} (node "${s.node}"${s.opset === undefined ? '' : `, opset ${s.opset}`})${s.reason ? ': ' + s.reason : ''}`)
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

/** Calibration cannot give a range: no samples, or a method or option that does not exist. */
export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/** The GPU device was lost (destroyed, driver reset, tab backgrounded): create a new session. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/** A tensor or buffer exceeds what the device allows; names the limit, its value and what was asked. */
export class LimitError extends Error {
  override name = 'LimitError';
}
