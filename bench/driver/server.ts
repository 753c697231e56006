// The bench page's server: Vite (the page and the library's TypeScript)
// plus raw files under /bench-assets/:
//   /bench-assets/bench/<id>/<file>   .cache/bench/<id>/   (the .q8, ONNX and input the driver wrote)
//   /bench-assets/models/<id>/<file>  <cache>/models/<id>/ (TF.js models, `webgpu-int8 fetch-models`;
//                                     the cache of src/models/cache.ts, looked up per request)
//   /bench-assets/bundled/<file>      models/              (the bundled ONNX model)
//   /bench-assets/npm/<package>/...   node_modules/<package>/  (the peers' prebuilt bundles and wasm)
// Cross-origin isolation headers are set so onnxruntime-web may use wasm threads, as a page
// deploying it would.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Connect, type Plugin } from 'vite';
import { modelsDir } from '../../src/models/cache.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const NPM = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-converter', 'onnxruntime-web'];
/** URL prefix → folder: relative to the repository, or a function giving an absolute path. */
const ROUTES: [prefix: string, folder: string | (() => string)][] = [
  ['/bench-assets/bench/', '.cache/bench'],
  ['/bench-assets/models/', modelsDir],
  ['/bench-assets/bundled/', 'models'],
  ...NPM.map((p): [string, string] => [`/bench-assets/npm/${p}/`, `node_modules/${p}`]),
];
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function assets(): Plugin {
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]!);
    const route = ROUTES.find(([prefix]) => url.startsWith(prefix));
    if (!route) return next();
    const base = typeof route[1] === 'function' ? route[1]() : path.join(REPO_ROOT, route[1]);
    const file = path.resolve(base, url.slice(route[0].length));
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache', ...ISOLATION });
      res.end(body);
    };
    if (!file.startsWith(base + path.sep)) return send(403, 'outside the asset folder');
    fs.readFile(file, (err, data) => (err ? send(404, `not found: ${url}`) : send(200, data, TYPES[path.extname(file)] ?? 'application/octet-stream')));
  };
  return { name: 'webgpu-int8-bench-assets', configureServer: (server) => void server.middlewares.use(handler) };
}

export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const server = await createServer({
    configFile: false,
    root: REPO_ROOT,
    logLevel: 'error',
    clearScreen: false,
    appType: 'mpa',
    plugins: [assets()],
    // CommonJS packages the library imports, pre-bundled up front (as vite.config.ts does).
    optimizeDeps: { noDiscovery: true, include: ['protobufjs', 'protobufjs/minimal.js', 'fflate'] },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null, headers: ISOLATION },
  });
  try {
    await server.listen();
    const address = server.httpServer?.address() as AddressInfo | null;
    if (!address || typeof address !== 'object') throw new Error('bench server: no listening address');
    return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
  } catch (e) {
    await server.close();
    throw e;
  }
}
