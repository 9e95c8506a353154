/**
 * The layers, checked rather than remembered (`npm run lint`):
 *   src/engine   plain Node, runs in its own process: never vscode, the extension, the webviews or the CLI
 *   src/extension talks to the engine only through src/shared/engineProtocol.ts (never imports src/engine)
 *   src/webview  browser code: only src/shared
 *   src/shared   protocols and run-file schemas: imports nothing of ours but itself (src/shared/node: node:fs
 *                bindings for the two Node sides, never imported by webviews)
 *   and no import circles anywhere in src/.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: split the types or the shared part into a module both sides import.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'engine-no-vscode',
      severity: 'error',
      comment: 'src/engine runs in a forked Node process (and the CLI) where there is no vscode module.',
      from: { path: '^src/engine/' },
      to: { path: '^vscode$' },
    },
    {
      name: 'engine-stays-below',
      severity: 'error',
      comment: 'src/engine knows nothing of its callers.',
      from: { path: '^src/engine/' },
      to: { path: '^src/(extension|webview|cli)/' },
    },
    {
      name: 'extension-through-protocol',
      severity: 'error',
      comment: 'The extension host reaches the engine through the forked process and src/shared/engineProtocol.ts only.',
      from: { path: '^src/extension/' },
      to: { path: '^src/(engine|webview|cli)/' },
    },
    {
      name: 'webview-only-shared',
      severity: 'error',
      comment: 'Webviews run in a browser sandbox: they import src/shared and browser packages only.',
      from: { path: '^src/webview/' },
      to: { path: '^src/(engine|extension|cli)/|^vscode$' },
    },
    {
      name: 'webview-not-node',
      severity: 'error',
      comment: 'src/shared/node holds node:fs bindings for the engine and the extension host; a browser has no node:fs.',
      from: { path: '^src/webview/' },
      to: { path: '^src/shared/node/' },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      comment: 'src/shared holds protocols and schemas that every side imports.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(engine|extension|webview|cli)/|^vscode$' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      comment: 'vscode exists only in the extension host; the native tfjs backends are optional dependencies.',
      to: { couldNotResolve: true, pathNot: '^(vscode|@tensorflow/tfjs-node(-gpu)?)$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are edges too: a circle of types still ties the modules together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(css|ttf|woff2)$' },
    // Resolve packages as esbuild and Node do (h5wasm publishes its entry points through `exports` only).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], mainFields: ['module', 'main'] },
  },
};
