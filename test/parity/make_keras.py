"""Reference outputs of Keras Applications models for `npm run parity`.

For densenet121, resnet50, vgg16 and mobilenetv2 (alpha 1.0 and 0.35): the Keras model at 224 with seeded
random weights (biases and BatchNorm gamma/beta too, so bias and epsilon folding are exercised), BatchNorm
moving statistics calibrated on a random batch and then perturbed (so they matter and are not 0/1), saved as
a legacy Keras Applications weights file (root attribute `layer_names`, what keras.applications downloads),
a fixed input batch (already preprocessed) and the logits (classifier_activation=None).
Files per case (<out>/keras-<arch>[-<alpha>]/): weights.h5, input.f32 (NHWC), logits.f32, meta.json.
Run with bench/.venv-keras (tensorflow-cpu 2.20.0, h5py): python test/parity/make_keras.py --out <dir>
"""
import argparse
import json
import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

SIZE = 224
BATCH = 2

# case name -> (our arch, constructor, width multiplier)
CASES = {
    'keras-densenet121': ('densenet121', lambda: keras.applications.DenseNet121, None),
    'keras-resnet50': ('resnet50', lambda: keras.applications.ResNet50, None),
    'keras-vgg16': ('vgg16', lambda: keras.applications.VGG16, None),
    'keras-mobilenetv2-1.0': ('mobilenetv2', lambda: keras.applications.MobileNetV2, 1.0),
    'keras-mobilenetv2-0.35': ('mobilenetv2', lambda: keras.applications.MobileNetV2, 0.35),
}


def batchnorms(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def randomise(model, rng, size=SIZE):
    """Non-zero biases and non-trivial gamma/beta; then moving statistics from one calibration batch."""
    for layer in model.layers:
        for w in layer.weights:
            leaf = w.path.split('/')[-1]
            if leaf == 'bias':
                w.assign(rng.normal(0, 0.1, w.shape).astype('float32'))
            elif leaf == 'gamma':
                w.assign(rng.uniform(0.5, 1.5, w.shape).astype('float32'))
            elif leaf == 'beta':
                w.assign(rng.normal(0, 0.1, w.shape).astype('float32'))
    if not batchnorms(model):
        # VGG16: glorot init loses half or more of the signal's variance per ReLU layer, leaving logits that
        # are all bias; He scaling keeps the input's part of them large
        for layer in model.layers:
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
                fan_in = int(np.prod(layer.kernel.shape[:-1]))
                fan_out = int(np.prod(layer.kernel.shape[:-2])) * int(layer.kernel.shape[-1])
                layer.kernel.assign(layer.kernel.numpy() * np.sqrt((fan_in + fan_out) / fan_in))
    # momentum 0: one training-mode pass sets every moving statistic to that batch's, layer after layer
    bns = batchnorms(model)
    saved = [bn.momentum for bn in bns]
    for bn in bns:
        bn.momentum = 0.0
    model(rng.normal(0, 1, (4, size, size, 3)).astype('float32'), training=True)
    for bn, momentum in zip(bns, saved):
        bn.momentum = momentum
        std = np.sqrt(bn.moving_variance.numpy())
        bn.moving_mean.assign((bn.moving_mean.numpy() + 0.1 * std * rng.normal(0, 1, std.shape)).astype('float32'))
        bn.moving_variance.assign((bn.moving_variance.numpy() * rng.uniform(0.7, 1.3, std.shape)).astype('float32'))


def save_legacy_weights(model, path):
    """The layout keras.applications ships (`*_weights_tf_dim_ordering_tf_kernels*.h5`)."""
    with h5py.File(path, 'w') as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    with h5py.File(path, 'r') as f:
        if 'layer_names' not in f.attrs:
            raise SystemExit(f'{path}: no root layer_names attribute; not the Keras Applications layout')


def write_f32(path, array):
    np.ascontiguousarray(array, dtype='<f4').tofile(path)


def make_case(out_dir, name, seed):
    arch, ctor, alpha = CASES[name]
    keras.utils.set_random_seed(seed)
    kwargs = {'alpha': alpha} if alpha is not None else {}
    model = ctor()(weights=None, include_top=True, input_shape=(SIZE, SIZE, 3), classifier_activation=None, **kwargs)
    rng = np.random.default_rng(seed)
    randomise(model, rng)
    case_dir = os.path.join(out_dir, name)
    os.makedirs(case_dir, exist_ok=True)
    save_legacy_weights(model, os.path.join(case_dir, 'weights.h5'))
    x = np.random.default_rng(seed + 2).normal(0, 1, (BATCH, SIZE, SIZE, 3)).astype('float32')
    logits = np.asarray(model(x, training=False))
    write_f32(os.path.join(case_dir, 'input.f32'), x)
    write_f32(os.path.join(case_dir, 'logits.f32'), logits)
    meta = {
        'arch': arch, 'format': 'h5', 'weights': 'weights.h5', 'imageSize': SIZE,
        'inputShape': [BATCH, SIZE, SIZE, 3], 'numClasses': int(logits.shape[1]),
        'widthMultiplier': alpha, 'peer': f'keras {keras.__version__}',
    }
    with open(os.path.join(case_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    print(f'{name}: logits {logits.shape}, |max| {np.abs(logits).max():.4g}', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='.cxr-lab/parity')
    parser.add_argument('--only', nargs='*', choices=sorted(CASES), help='cases to make (default: all)')
    args = parser.parse_args()
    for name in args.only or CASES:
        make_case(args.out, name, seed=list(CASES).index(name))


if __name__ == '__main__':
    main()
