// Runs the CLI from TypeScript source (tests and development: `tsx src/cli/entry.ts`).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
