#!/usr/bin/env node
// The command line runs the TypeScript sources directly through tsx (no build step to forget).
import { tsImport } from 'tsx/esm/api';

await tsImport('../src/cli/main.ts', import.meta.url);
