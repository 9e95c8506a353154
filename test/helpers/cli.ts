import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The CLI as users run it, and the engine process it forks: the esbuild bundles (npm test builds them first). */
export const CLI = path.resolve(__dirname, '../../dist/cli.js');
export const ENGINE_HOST = path.resolve(__dirname, '../../dist/engineHost.js');

/** Fails (in a `before`) with what to run when a bundle the tests drive is not built. */
export async function requireBuilt(...files: string[]): Promise<void> {
  for (const f of files) {
    await fs.access(f).catch(() => { throw new Error(`${f} is missing: run \`node esbuild.mjs\` first (npm test does).`); });
  }
}
