// The built demo for test/browser/demo.test.ts: `vite build` with the repository's vite.config.ts
// (root demos/, the /local/ assets plugin) into test-results/demo/site, then `vite preview` on
// 127.0.0.1 at a free port, which serves the bundle and, through the same plugin, the models and
// photos. What a user of `npm run demo` gets, bundled for production.
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import type { ViteTestServer } from '../helpers/vite-server.ts';

const configFile = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));

export async function startDemoServer(outDir: string): Promise<ViteTestServer> {
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const address = server.httpServer.address() as AddressInfo | null;
  if (!address || typeof address !== 'object') {
    await server.close();
    throw new Error('demo preview server: no listening address');
  }
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
