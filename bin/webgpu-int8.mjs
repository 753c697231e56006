#!/usr/bin/env node
// The command line runs the TypeScript sources directly through tsx (no build step to forget);
// register-raw.mjs gives WGSL files as text, as Vite's ?raw does in the browser and in tests.
import './register-raw.mjs';
import { tsImport } from 'tsx/esm/api';

await tsImport('../src/cli/main.ts', import.meta.url);
