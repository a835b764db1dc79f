#!/usr/bin/env node
// `npx market-data ...` (package.json "bin"): the CLI is TypeScript, run through tsx like `npm run cli`.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
