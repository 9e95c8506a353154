// Bundles each process entry from one build() helper (style of vscode-hexeditor's .esbuild.config.js).
// The engine and CLI bundles do not mark `vscode` external: an import of it from src/engine fails the build.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node', format: 'cjs' };

/** Node-side bundles keep npm packages external: tfjs loads .wasm files and sharp a native addon from node_modules. */
const nodeBundle = (entry, outfile, extra = {}) => ({ ...common, entryPoints: [entry], outfile, packages: 'external', ...extra });

const builds = [
  nodeBundle('src/cli/main.ts', 'dist/cli.js'),
  nodeBundle('src/engine/host.ts', 'dist/engineHost.js'),
];

mkdirSync('dist', { recursive: true });
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('bin/cxr-lab.js', 0o755);
}
