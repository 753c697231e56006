// A programmatic Vite dev server for browser tests whose page modules import npm packages (which
// test/helpers/static-server.ts cannot resolve). Serves `root` (any .html under
// it, and its modules transformed on request) on 127.0.0.1 at a free port. configFile: false keeps
// vite.config.ts (root: 'demos', the vitest settings) out of it.
import type { AddressInfo } from 'node:net';
import { createServer } from 'vite';

export interface ViteTestServer {
  url: string;
  close(): Promise<void>;
}

export async function startViteServer(root: string): Promise<ViteTestServer> {
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'error',
    clearScreen: false,
    appType: 'mpa',
    // Only what the page imports is transformed; no dependency scan of every .html under root.
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
  try {
    await server.listen();
    const address = server.httpServer?.address() as AddressInfo | null;
    if (!address || typeof address !== 'object') throw new Error('vite dev server: no listening address');
    return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
  } catch (e) {
    await server.close();
    throw e;
  }
}
