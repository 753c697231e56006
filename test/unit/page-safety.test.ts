// Models are data only (issue 7): nothing that ships to a page compiles code at run time or imports
// a module named by data, so the demo runs under a Content-Security-Policy without 'unsafe-eval'
// (test/browser/demo.test.ts checks the page itself). The ONNX decoders are protobufjs static
// coders generated from our schema; they must decode exactly as the schema does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { onnx } from '../../src/import/generated/onnx-pb.js';
import { onnxSchema } from '../../src/import/onnx-schema.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|js|mjs|html)$/.test(name) ? [path] : [];
  });
}

/** Code without comments: a comment may name what the code must not do. */
const code = (path: string): string =>
  readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('page safety', () => {
  const shipped = [...sources('src'), ...sources('demos')];

  it('no eval, no Function constructor, no import() of anything but a literal path', () => {
    expect(shipped.length).toBeGreaterThan(50);
    const offending = shipped.flatMap((path) => {
      const text = code(path);
      const hits = [...text.matchAll(/\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(|\bimport\s*\(\s*[^'"`\s]/g)].map((m) => m[0]);
      return hits.map((hit) => `${path}: ${hit}`);
    });
    expect(offending).toEqual([]);
  });

  it('the static ONNX coders decode the bundled models exactly as the schema does', () => {
    const reflected = protobuf.Root.fromJSON(onnxSchema).lookupType('onnx.ModelProto');
    for (const file of ['models/fashion_mnist_cnn.onnx', 'test/fixtures/qdq/small_qdq.onnx']) {
      const bytes = readFileSync(file);
      const viaStatic = reflected.toObject(onnx.ModelProto.decode(bytes) as protobuf.Message, { longs: String, bytes: String });
      const viaSchema = reflected.toObject(reflected.decode(bytes), { longs: String, bytes: String });
      expect(viaStatic, file).toEqual(viaSchema);
      const message = reflected.decode(bytes);
      expect(Buffer.from(onnx.ModelProto.encode(message).finish()), file).toEqual(Buffer.from(reflected.encode(message).finish()));
    }
  });
});
