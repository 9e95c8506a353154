/** Where the end-to-end tier finds its tools and puts its results; must agree with test/e2e/setup.sh. */
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';

/** Outside the repository, so a clean clone on the same machine reuses it (setup.sh installs it when absent). */
export const CACHE_DIR = process.env.CXR_LAB_E2E_CACHE
  ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'cxr-lab-e2e');
export const CODE_SERVER_BIN = path.join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CXR_LAB_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** The package `npm run package` writes; CXR_LAB_VSIX points elsewhere. */
export const VSIX = process.env.CXR_LAB_VSIX ?? path.join(REPO_ROOT, 'cxr-lab.vsix');
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
