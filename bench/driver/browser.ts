// Headless Chromium with WebGPU for the bench: Debian's binary by default (playwright cannot
// download browsers here), --enable-unsafe-webgpu (without it requestAdapter() returns null).
import { type Browser, chromium } from 'playwright-core';

export const DEFAULT_BROWSER = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

export const BASE_FLAGS = ['--no-sandbox', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--enable-unsafe-webgpu'];

export function launchBrowser(executablePath: string, extraFlags: readonly string[]): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...BASE_FLAGS, ...extraFlags] });
}
