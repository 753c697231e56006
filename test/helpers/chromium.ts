// Headless Debian Chromium for browser tests, with WebGPU on (SwiftShader on GPU-less machines).
// `npx playwright install` cannot download browsers here: always pass an executable.
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--enable-unsafe-webgpu', // without it requestAdapter() returns null
];

/** CHROMIUM_PATH overrides; /usr/lib/chromium/chromium skips Debian's /usr/bin/chromium wrapper script. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}
