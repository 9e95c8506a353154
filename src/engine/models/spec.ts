import type * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../dataset/preprocess';

/**
 * What an architecture is, in one entry: its builder and everything else that differs per architecture
 * (weight sources and name mappings, memory figures). Types only: weights/, train/ and zoo/ read a spec
 * through these; nothing here imports weights/.
 */

/** Input scaling a model expects (ImageNet mean/std, [-1, 1], Caffe BGR): preprocess's type. */
export type { Normalization };

export interface ModelBuildOptions {
  numClasses: number;
  imageSize: number;
  widthMultiplier?: number;
  /**
   * Structure other than torchvision's, to hold another framework's weights exactly: 'keras' for
   * resnet50 (stride on the first 1x1 conv, ResNet v1) and mobilenetv2 (TensorFlow 'same' padding on
   * stride-2 convs, Keras channel rounding). Saved models keep it: their tfjs topology is the built graph.
   */
  variant?: string;
}

/** Shape of a tensor of a weights file by name (undefined when absent), for width detection hooks. */
export type ShapeOf = (name: string) => number[] | undefined;

/** torchvision's ImageNet weights of an architecture (torchvision/models/*.py `IMAGENET1K_V1`). */
export interface TorchvisionWeights {
  /**
   * File name under https://download.pytorch.org/models/. Its checksum is in the name: torchvision's rule
   * (torch.hub check_hash) is that the hex digits after the last '-' are a prefix of the file's SHA-256.
   */
  file: string;
  /**
   * Width multiplier a state dict was made with, from its tensor shapes (`shapeOf('features.0.0.weight')`);
   * throws a message (without the file name) when none fits. Only for architectures with a width.
   */
  width?(shapeOf: ShapeOf): number;
}

/** One Keras Applications file; `file_hash` values of 32 hex digits are md5 (undefined where Keras gives none). */
export interface KerasFile {
  name: string;
  md5?: string;
}

/** Keras Applications' ImageNet weights of an architecture and how they map onto ours (keras/src/applications/*.py). */
export interface KerasWeightsSpec {
  /** Folder under https://storage.googleapis.com/tensorflow/keras-applications/. */
  dir: string;
  /**
   * The file with the 1000-class classifier (`includeTop`) or without (`_notop`); `alpha` is the width
   * (MobileNet). Throws for a width Keras has no file for.
   */
  file(includeTop: boolean, alpha?: number): KerasFile;
  /** Input scaling the Keras model was trained with. */
  normalization: Normalization;
  /** BatchNormalization epsilon of the Keras Applications model. */
  epsilon: number;
  /** Structural variant our builder needs to hold these weights exactly (ModelBuildOptions.variant). */
  variant?: string;
  /** Our layer name for a Keras layer name, undefined when the name is not part of this architecture. */
  kerasName(kerasLayer: string): string | undefined;
  /**
   * Width multiplier (Keras alpha) of a weights file, from the shapes of its layers' first tensors
   * (`shapeOf('Conv1')`); throws a message (without the file name) when none fits.
   */
  width?(shapeOf: ShapeOf): number;
  /**
   * Why a file cannot load although every layer maps (e.g. a notop file where our structure keeps layers
   * Keras drops), as text following the file name; undefined when it can. `has(kerasLayer)`.
   */
  checkFile?(has: (kerasLayer: string) => boolean): string | undefined;
}

/** Memory a training pass takes, for the micro-batch planner (src/engine/train/microBatch.ts). */
export interface MemoryFigures {
  /** Images per forward/backward pass that fit the wasm backend's 4 GB heap at 224 px. */
  wasmImagesAt224: number;
  /** Peak process memory per image of a training pass at 224 px on tfjs-node, in GB. */
  nativeGbPerImageAt224: number;
}

export interface ModelSpec {
  name: string;
  description: string;
  normalization: Normalization;
  /** Default Grad-CAM target: the last convolutional feature map. */
  defaultCamLayer: string;
  /** Layers of the new N-class head; freezing the backbone freezes everything else. */
  headLayers: string[];
  /** Builds a freshly initialised model whose output is LOGITS (no softmax). */
  build(opts: ModelBuildOptions): tf.LayersModel;
  /** torchvision ImageNet weights (.pth), when torchvision has the architecture. */
  torchvision?: TorchvisionWeights;
  /** Keras Applications ImageNet weights (.h5), when Keras has the architecture. */
  keras?: KerasWeightsSpec;
  /** Measured memory figures; without them (test models) the planner uses conservative defaults. */
  memory?: MemoryFigures;
}
