"""Writes a tfjs layers model's weights (e.g. ../shared/weights/mobilenetv2-0.35-imagenet-notop, the Keras
Applications MobileNetV2 converted to tfjs) back into the legacy Keras Applications .h5 layout
(root attribute layer_names, per layer weight_names 'layer/kernel:0'), the format users download.

Used to fine-tune from a *converted* .h5 on real X-rays: the only real ImageNet weights reachable here are
that tfjs copy. Writes outside the repository. Optional check with Keras: --check (needs tensorflow).
"""
import argparse
import json
import os

import h5py
import numpy as np

ORDER = ['kernel', 'depthwise_kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance']


def main():
    p = argparse.ArgumentParser()
    p.add_argument('tfjs_dir')
    p.add_argument('out_h5')
    p.add_argument('--check-alpha', type=float, help='load the file into keras.applications.MobileNetV2(alpha=...)')
    a = p.parse_args()
    model = json.load(open(os.path.join(a.tfjs_dir, 'model.json')))
    blob = b''.join(open(os.path.join(a.tfjs_dir, q), 'rb').read() for g in model['weightsManifest'] for q in g['paths'])
    layers, offset = {}, 0
    for g in model['weightsManifest']:
        for w in g['weights']:
            assert w['dtype'] == 'float32', w
            n = int(np.prod(w['shape']))
            values = np.frombuffer(blob, dtype='<f4', count=n, offset=offset).reshape(w['shape'])
            offset += 4 * n
            layer, var = w['name'].rsplit('/', 1)
            layers.setdefault(layer, {})[var] = values
    with h5py.File(a.out_h5, 'w') as f:
        f.attrs['layer_names'] = np.array([k.encode() for k in layers])
        f.attrs['backend'] = b'tensorflow'
        for layer, weights in layers.items():
            group = f.create_group(layer)
            names = sorted(weights, key=ORDER.index)
            group.attrs['weight_names'] = np.array([f'{layer}/{n}:0'.encode() for n in names])
            for n in names:
                group.create_dataset(f'{layer}/{n}:0', data=weights[n])
    print(f'{a.out_h5}: {len(layers)} layers, {offset // 4} values')
    if a.check_alpha:
        import keras
        k = keras.applications.MobileNetV2(alpha=a.check_alpha, include_top=False, weights=None, input_shape=(224, 224, 3))
        k.load_weights(a.out_h5)
        print('Keras loaded it:', k.name, k.count_params(), 'parameters')


if __name__ == '__main__':
    main()
