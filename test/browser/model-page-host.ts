// Node side of the model page (model.html + model-page.ts): a Vite server, headless Chromium, the
// page loaded with window.int8RunModel ready, and the page's console kept for the test's log.
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { startViteServer, type ViteTestServer } from '../helpers/vite-server.ts';
import type { ModelRunRequest, ModelRunResult } from './model-page.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export class ModelPageHost {
  readonly log: string[] = [];

  private constructor(
    private readonly server: ViteTestServer,
    readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async open(): Promise<ModelPageHost> {
    const server = await startViteServer(repoRoot);
    const browser = await launchChromium();
    const page = await browser.newPage();
    const host = new ModelPageHost(server, browser, page);
    page.on('console', (m) => {
      if (!m.text().startsWith('[vite]')) host.log.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => host.log.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}/test/browser/model.html`);
    await page.waitForFunction(() => typeof window.int8RunModel === 'function', undefined, { timeout: 60_000 });
    return host;
  }

  run(request: ModelRunRequest): Promise<ModelRunResult> {
    return this.page.evaluate((req) => window.int8RunModel!(req), request);
  }

  /** Closes the browser and the server, and prints what the page logged. */
  async close(): Promise<void> {
    await this.browser.close();
    await this.server.close();
    if (this.log.length) console.log(`page console:\n${this.log.join('\n')}`);
  }
}
