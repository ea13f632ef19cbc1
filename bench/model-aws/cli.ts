/**
 * Entry of the AWS model in its own process (bench/run.ts starts it for
 * `--model aws` with a larger heap: 1,000,000 shipments and their stream
 * records need more than node's default).
 */
import { runModel } from './main.js';

process.exit(await runModel(process.argv.slice(2)));
