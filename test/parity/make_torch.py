"""Reference outputs of torchvision models for `npm run parity`.

For each architecture: seeded random weights with BatchNorm running statistics calibrated on random
inputs (so they are not the trivial 0/1), the state dict saved by torch.save, a fixed input batch, the
logits, the Grad-CAM target layer's activation and pytorch-grad-cam's map for image 0.
Files per case (<out>/torch-<arch>/): weights.pth, input.f32 (NHWC), logits.f32, activation.f32 (NHWC),
cam.f32 (H x W), meta.json. Also writes the small CI fixture with --fixture <dir>.
"""
import argparse
import json
import os

import numpy as np
import torch
import torchvision
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from importlib.metadata import version

# our name -> (torchvision constructor, Grad-CAM target module, our layer name for that module's output)
ARCHS = {
    'resnet18': (torchvision.models.resnet18, lambda m: m.layer4[-1], 'layer4.1.relu2'),
    'resnet50': (torchvision.models.resnet50, lambda m: m.layer4[-1], 'layer4.2.relu3'),
    # Not features[-1] (norm5): torchvision's F.relu(inplace=True) overwrites that module's output, so
    # pytorch-grad-cam would pair post-ReLU activations with pre-ReLU gradients there.
    'densenet121': (torchvision.models.densenet121, lambda m: m.features.denseblock4,
                    'features.denseblock4.denselayer16.concat'),
    'squeezenet1_1': (torchvision.models.squeezenet1_1, lambda m: m.features[-1], 'features.12.concat'),
    'vgg16': (torchvision.models.vgg16, lambda m: m.features[29], 'features.29'),
    'mobilenetv2': (torchvision.models.mobilenet_v2, lambda m: m.features[-1], 'features.18.2'),
}


def calibrate_batchnorm(model, size, seed):
    """Running statistics from a few random batches (cumulative average), then eval mode."""
    g = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.normal_(0, 0.1, generator=g)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, size, size, generator=g))
    model.eval()


def write_f32(path, array):
    np.ascontiguousarray(array, dtype='<f4').tofile(path)


def make_case(out_dir, arch, size=224, batch=2, seed=0, build_kwargs=None, cam=True):
    ctor, target, our_layer = ARCHS[arch]
    torch.manual_seed(seed)
    model = ctor(weights=None, **(build_kwargs or {}))
    calibrate_batchnorm(model, size, seed)
    os.makedirs(out_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(out_dir, 'weights.pth'))

    x = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(seed + 2))
    captured = {}

    def keep_output(_module, _inputs, output):
        # a copy: DenseNet applies F.relu(inplace=True) to features[-1]'s output. Returns None: a
        # forward hook's return value would replace the module's output.
        captured.setdefault('a', output.detach().clone())

    hook = target(model).register_forward_hook(keep_output)
    with torch.no_grad():
        logits = model(x)
    hook.remove()

    write_f32(os.path.join(out_dir, 'input.f32'), x.permute(0, 2, 3, 1).numpy())
    write_f32(os.path.join(out_dir, 'logits.f32'), logits.numpy())
    write_f32(os.path.join(out_dir, 'activation.f32'), captured['a'].permute(0, 2, 3, 1).numpy())
    meta = {
        'arch': arch, 'format': 'pth', 'weights': 'weights.pth', 'imageSize': size,
        'inputShape': [batch, size, size, 3], 'numClasses': int(logits.shape[1]),
        'widthMultiplier': (build_kwargs or {}).get('width_mult'),
        'activation': {'layer': our_layer, 'shape': list(captured['a'].permute(0, 2, 3, 1).shape)},
        'peer': f'torch {torch.__version__}, torchvision {torchvision.__version__}',
    }
    if cam:
        cam_class = int(logits[0].argmax())
        with GradCAM(model=model, target_layers=[target(model)]) as grad_cam:
            grayscale = grad_cam(input_tensor=x[:1], targets=[ClassifierOutputTarget(cam_class)])
        write_f32(os.path.join(out_dir, 'cam.f32'), grayscale[0])
        meta['cam'] = {'layer': our_layer, 'classIndex': cam_class, 'peer': f'grad-cam {version("grad-cam")}'}
    with open(os.path.join(out_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(f'{arch}: logits {tuple(logits.shape)}, |logits| max {float(logits.abs().max()):.3g}', flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--out', default='.cxr-lab/parity')
    p.add_argument('--arch', action='append', help='only these (default: all six)')
    p.add_argument('--fixture', help='write only the small CI fixture into this directory')
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    if a.fixture:
        # MobileNetV2 at width 0.1 and 64 px with 3 classes: convolutions, depthwise, BatchNorm, linear.
        make_case(a.fixture, 'mobilenetv2', size=64, batch=1, seed=7,
                  build_kwargs={'width_mult': 0.1, 'num_classes': 3}, cam=True)
        return
    for arch in a.arch or ARCHS:
        make_case(os.path.join(a.out, f'torch-{arch}'), arch)


if __name__ == '__main__':
    main()
