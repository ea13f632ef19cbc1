#!/usr/bin/env node
// The `clearance` executable: loads tsx's ESM hooks, then runs the TypeScript CLI in this process.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
await main();
