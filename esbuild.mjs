// Bundles each process entry from one build() helper (style of vscode-hexeditor's .esbuild.config.js).
// The engine and CLI bundles do not mark `vscode` external: an import of it from src/engine fails the build.
import * as esbuild from 'esbuild';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const common = { bundle: true, sourcemap: true, logLevel: 'warning', define: { __CXR_LAB_VERSION__: JSON.stringify(version) } };

/** Node-side bundles keep npm packages external: tfjs loads .wasm files and sharp a native addon from node_modules. */
const nodeBundle = (entry, outfile, extra = {}) => ({
  ...common, platform: 'node', target: 'node20', format: 'cjs', entryPoints: [entry], outfile, packages: 'external', ...extra,
});
/** Webview bundles run in the browser sandbox of VS Code: everything inlined, CSS emitted beside the script. */
const webviewBundle = (name) => ({
  ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: [`src/webview/${name}/main.ts`],
  outfile: `dist/webview/${name}.js`, loader: { '.ttf': 'dataurl', '.woff2': 'dataurl' },
});

const builds = [
  nodeBundle('src/cli/main.ts', 'dist/cli.js'),
  nodeBundle('src/engine/host.ts', 'dist/engineHost.js'),
  nodeBundle('src/extension/extension.ts', 'dist/extension.js', { external: ['vscode'], packages: undefined, mainFields: ['module', 'main'] }),
  ...['training', 'evaluation', 'explain', 'grid', 'audit', 'compare', 'samples'].map(webviewBundle),
];

mkdirSync('dist', { recursive: true });
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('bin/cxr-lab.js', 0o755);
}
