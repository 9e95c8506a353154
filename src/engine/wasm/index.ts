import * as tf from '@tensorflow/tfjs';
// Side effect: registers the 'wasm' backend and its stock kernels, which ours replace or complete.
import '@tensorflow/tfjs-backend-wasm';
import { avgPoolGrad } from './avgPoolGrad';
import { broadcastBatchNormGradConfig, registerBroadcastBatchNormGradient } from './batchNormGrad';
import { conv2DBackpropFilter, conv2DBackpropInput, setStockConv2DBackpropInput } from './conv2dGrads';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwiseGrads';
import { maxPoolGrad } from './maxPoolGrad';

/**
 * Kernels stock tfjs-backend-wasm 4.22 lacks (Conv2DBackpropFilter, both depthwise backprops), gets wrong
 * (MaxPoolGrad always; AvgPoolGrad with 'same' padding) or runs slowly (Conv2DBackpropInput).
 */
const TRAINING_KERNELS: Record<string, unknown> = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  MaxPoolGrad: maxPoolGrad,
  AvgPoolGrad: avgPoolGrad,
};

export const WASM_TRAINING_KERNEL_NAMES = Object.keys(TRAINING_KERNELS);

/**
 * Registers our training kernels on 'wasm', replacing stock ones of the same name, and the broadcast
 * FusedBatchNorm gradient (global to all backends). Safe to call repeatedly.
 */
export function registerWasmTrainingKernels(): void {
  registerBroadcastBatchNormGradient();
  for (const [kernelName, fn] of Object.entries(TRAINING_KERNELS)) {
    const kernelFunc = fn as tf.KernelFunc;
    const stock = tf.getKernel(kernelName, 'wasm');
    if (stock?.kernelFunc === kernelFunc) continue;
    if (stock) tf.unregisterKernel(kernelName, 'wasm');
    if (kernelName === 'Conv2DBackpropInput') setStockConv2DBackpropInput(stock?.kernelFunc);
    // The stock setupFunc binds the wasm export; it must still run at backend init if we fall back to it.
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: stock?.setupFunc });
  }
}

/** True when every kernel of ours is the one registered on 'wasm'. */
export function wasmTrainingKernelsRegistered(): boolean {
  return tf.getGradient('FusedBatchNorm') === broadcastBatchNormGradConfig &&
    Object.entries(TRAINING_KERNELS).every(([name, fn]) => tf.getKernel(name, 'wasm')?.kernelFunc === fn);
}
