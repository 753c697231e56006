// Types for the generated static coders (onnx-pb.js): only what the importer and writer call.

export interface StaticMessageType {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): unknown;
  /** An error message, or null when `message` fits the schema. */
  verify(message: Record<string, unknown>): string | null;
}

export const onnx: {
  ModelProto: StaticMessageType;
  TensorProto: StaticMessageType;
};
