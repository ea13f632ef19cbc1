import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from './program.js';

/** Runs the CLI with the process's arguments and sets the exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // The SDK's notice that its 2027 releases need Node 22 would open every command's stderr; the project targets Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await run(argv);
}

const invokedPath = process.argv[1];
const isEntry =
  invokedPath !== undefined && realpathSync(invokedPath) === realpathSync(fileURLToPath(import.meta.url));
if (isEntry) await main();
