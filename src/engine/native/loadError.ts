/**
 * Why tfjs-node could not be loaded, as a sentence that says what to do. The raw errors are the dynamic loader's
 * ("libtensorflow_cc.so.2: cannot open shared object file") or tfjs-node's own ("The Node.js native addon module
 * (tfjs_binding.node) can not be found"); the engine falls back to wasm with this sentence in `tried`.
 */
export function nativeLoadReason(pkg: string, err: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  const nativeDir = env.CXR_LAB_NATIVE_DIR;
  const missingLib = /(lib[\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(raw)?.[1];
  if (missingLib) {
    if (nativeDir) return `${missingLib} is not in ${nativeDir} (${raw}); run "CXR Lab: Install Native Backend" again.`;
    return `the TensorFlow library is not installed (${missingLib} not found): run "CXR Lab: Install Native Backend" in VS Code, or \`npm run install:native\` in a clone.`;
  }
  const broken = /(\S*(lib[\w.+-]+\.so[\w.]*)): (file too short|invalid ELF header|wrong ELF class: \w+|cannot read file data[^;]*)$/.exec(raw);
  if (broken) {
    return `${broken[1]} is not a usable library (${broken[3]}): the TensorFlow libraries are damaged or for another platform; install them again ("CXR Lab: Install Native Backend" or \`npm run install:native\`).`;
  }
  if (/undefined symbol/.test(raw)) {
    return `the TensorFlow library does not match the addon (${raw}); install the pinned TensorFlow again ("CXR Lab: Install Native Backend" or \`npm run install:native\`).`;
  }
  if (/tfjs_binding\.node\) can not be found/.test(raw)) {
    return `${pkg.replace('@tensorflow/', '')}'s native addon was not built (this package or .vsix was made without \`npm run install:native\`).`;
  }
  return raw;
}
