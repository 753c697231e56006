#!/usr/bin/env node
// The command line runs the TypeScript sources directly through tsx (no build step to forget);
// raw-loader.mjs gives WGSL files as text, as Vite's ?raw does in the browser and in tests.
import { register } from 'node:module';
import { tsImport } from 'tsx/esm/api';

register('./raw-loader.mjs', import.meta.url);
await tsImport('../src/cli/main.ts', import.meta.url);
