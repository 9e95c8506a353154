/** Whether the optional native backend (tfjs-node or -gpu) can be loaded here; tests of it skip otherwise. */
export function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

export const nativeBackendInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
