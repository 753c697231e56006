// A tiny static HTTP server for browser tests: WebGPU needs a real origin (about:blank and
// file:// have no navigator.gpu). Serves files under `root`; `.ts` files are transpiled to
// JavaScript on the fly (type-only imports vanish, relative `.ts` imports keep working).
// No bare-specifier (npm package) resolution: for that, use Vite's dev server instead.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import ts from 'typescript';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8', // Chromium applies no stylesheet served as anything else
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wgsl': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  root: string;
  /** In-memory pages by URL path, e.g. { '/': '<!doctype html>...' }; served as HTML. */
  pages?: Record<string, string>;
}

export async function startStaticServer({ root, pages = {} }: StaticServerOptions): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const page = pages[path];
      if (page !== undefined) {
        res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
        res.end(page);
        return;
      }
      const file = resolve(base, `.${path}`);
      if (!file.startsWith(base + sep)) {
        res.writeHead(403).end();
        return;
      }
      const ext = extname(file);
      let body: string | Buffer = await readFile(file);
      if (ext === '.ts') {
        body = ts.transpileModule(body.toString('utf8'), {
          fileName: file,
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            verbatimModuleSyntax: true,
            inlineSourceMap: true,
          },
        }).outputText;
      }
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      res.writeHead(code === 'ENOENT' || code === 'EISDIR' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
