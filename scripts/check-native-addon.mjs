// Run by `vscode:prepublish` (npm run package): says whether the .vsix will carry tfjs-node's JavaScript and its N-API
// addon, which "CXR Lab: Install Native Backend" needs (the TensorFlow libraries themselves never go into the .vsix:
// .vscodeignore leaves tfjs-node's deps/ out). The addon is built by `npm run install:native`; without it the
// package still works, on WebAssembly, and the command says why it cannot install.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const lib = join('node_modules', '@tensorflow', 'tfjs-node', 'lib');
const addon = existsSync(lib)
  ? readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d)).map((d) => join(lib, d, 'tfjs_binding.node')).find((f) => existsSync(f))
  : undefined;
if (addon) {
  console.log(`check-native-addon: the .vsix carries tfjs-node's addon ${addon} (${(statSync(addon).size / 1024).toFixed(0)} KB); "Install Native Backend" can use it.`);
} else {
  console.warn('check-native-addon: warning: no tfjs-node addon in node_modules (run `npm run install:native` first); '
    + 'this .vsix runs on WebAssembly only and "Install Native Backend" will say it cannot install.');
}
