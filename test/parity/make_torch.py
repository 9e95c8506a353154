"""Reference outputs of torchvision models for `npm run parity`.

For each architecture: seeded random weights with BatchNorm running statistics calibrated on random
inputs (so they are not the trivial 0/1), the state dict saved by torch.save, a fixed input batch, the
logits, the Grad-CAM target layer's activation and pytorch-grad-cam's map for image 0 — Grad-CAM in cam.f32, and
every method of ours (Grad-CAM, Grad-CAM++, HiResCAM, XGrad-CAM, Layer-CAM, Eigen-CAM, Score-CAM, and some with
aug_smooth / eigen_smooth) in cams.json.
Files per case (<out>/torch-<arch>/): weights.pth, input.f32 (NHWC), logits.f32, activation.f32 (NHWC),
cam.f32 (H x W), cams.json, meta.json, faithfulness.json. Also writes the small CI fixture with --fixture <dir>.

faithfulness.json: for image 0 and one method's map (Grad-CAM at the target layer), pytorch-grad-cam's
ROADMostRelevantFirstAverage / ROADLeastRelevantFirstAverage (default percentiles, NoisyLinearImputer noise set to 0),
DropInConfidence / IncreaseInConfidence and torch-cam's ClassificationMetric (Average Drop, Increase in Confidence)
on that map, with the map itself, so that src/engine/cam/faithfulness is compared on the same map.

Eigen-CAM and eigen_smooth project on a principal component, whose sign is arbitrary: get_2d_projection is
wrapped here so the projection correlates positively with the channel mean of what it projects — the rule
src/engine/cam/projection.ts applies — before pytorch-grad-cam's ReLU (otherwise the two maps could be negatives
of each other, and the ReLU would keep opposite halves).
"""
import argparse
import base64
import contextlib
import functools
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision
import pytorch_grad_cam
import pytorch_grad_cam.utils.svd_on_activations as svd_on_activations
from pytorch_grad_cam import (EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM, ScoreCAM,
                              XGradCAM)
from pytorch_grad_cam.utils.model_targets import ClassifierOutputSoftmaxTarget, ClassifierOutputTarget
from pytorch_grad_cam.metrics import road
from pytorch_grad_cam.metrics.cam_mult_image import DropInConfidence, IncreaseInConfidence
from pytorch_grad_cam.metrics.road import (ROADCombined, ROADLeastRelevantFirst, ROADLeastRelevantFirstAverage,
                                           ROADMostRelevantFirst, ROADMostRelevantFirstAverage)
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


# our method id -> pytorch-grad-cam class
METHODS = {
    'gradcam': GradCAM, 'gradcampp': GradCAMPlusPlus, 'hirescam': HiResCAM, 'xgradcam': XGradCAM,
    'layercam': LayerCAM, 'eigencam': EigenCAM, 'scorecam': ScoreCAM,
}
# (method, aug_smooth, eigen_smooth): every method plain, and the smoothing options through each kind of method
# output (channel weights, elementwise contributions, a map of its own).
VARIANTS = [(m, False, False) for m in METHODS] + [
    ('gradcam', True, False), ('gradcam', False, True), ('hirescam', False, True), ('eigencam', True, False),
]


def variant_key(method, aug, eigen):
    return method + ('+aug' if aug else '') + ('+eigen' if eigen else '')


_original_projection = svd_on_activations.get_2d_projection


def signed_projection(activation_batch):
    """get_2d_projection, then the sign that makes each projection correlate positively with the channel mean."""
    projections = _original_projection(activation_batch)
    channel_mean = np.nan_to_num(np.asarray(activation_batch, dtype=np.float64)).mean(axis=1)
    for i in range(len(projections)):
        if float(np.sum(projections[i].astype(np.float64) * channel_mean[i])) < 0:
            projections[i] = -projections[i]
    return projections


# Every pytorch_grad_cam module that imported the function by name (base_cam, eigen_cam, hirescam, layer_cam …).
for _module in list(sys.modules.values()):
    if getattr(_module, '__name__', '').startswith('pytorch_grad_cam') and \
            getattr(_module, 'get_2d_projection', None) is _original_projection:
        _module.get_2d_projection = signed_projection


def encode_map(grayscale, stride, encoding):
    """A map [H, W] in [0, 1] as base64: every `stride`-th row and column, float32 or uint16 (x 65535)."""
    m = np.asarray(grayscale, dtype=np.float64)[::stride, ::stride]
    if encoding == 'u16':
        data = np.round(np.clip(m, 0, 1) * 65535).astype('<u2').tobytes()
    else:
        data = m.astype('<f4').tobytes()
    return base64.b64encode(data).decode('ascii')


def method_cams(model, target_module, x, cam_class, our_layer, variants, stride=1, encoding='f32', score_batch=32):
    """pytorch-grad-cam's map of every variant for image x[:1], as cams.json's content."""
    maps, seconds = {}, {}
    for method, aug, eigen in variants:
        started = time.time()
        with METHODS[method](model=model, target_layers=[target_module]) as cam:
            cam.batch_size = score_batch  # Score-CAM's masked inputs per forward pass (the map does not depend on it)
            grayscale = cam(input_tensor=x[:1], targets=[ClassifierOutputTarget(cam_class)], aug_smooth=aug,
                            eigen_smooth=eigen)
        key = variant_key(method, aug, eigen)
        maps[key] = encode_map(grayscale[0], stride, encoding)
        seconds[key] = round(time.time() - started, 2)
    size = list(x.shape[2:])
    print(f'  pytorch-grad-cam seconds: {seconds}', flush=True)
    return {'layer': our_layer, 'classIndex': cam_class, 'peer': f'grad-cam {version("grad-cam")}', 'size': size,
            'stride': stride, 'encoding': encoding, 'maps': maps}


class FixedCam:
    """torch-cam's CAM-extractor protocol over a given map [1, H, W] at input size (its bilinear resize is then the identity)."""

    def __init__(self, model, cam):
        self.model, self.cam = model, cam

    def __call__(self, class_idx=None, scores=None, normalized=True, **kwargs):
        return [self.cam]

    def fuse_cams(self, cams):
        return cams[0]

    @contextlib.contextmanager
    def _hooks_off(self):
        yield


def faithfulness_values(model, x, cam_class, grayscale, detail=False):
    """pytorch-grad-cam's ROAD (imputer noise 0) for the softmax-probability and the logit target and its confidence
    change, torch-cam's Average Drop / Increase in Confidence, for image x[:1] and its map `grayscale` [H, W].
    detail: also each percentile and ROADCombined."""
    from torchcam.metrics import ClassificationMetric
    road.NoisyLinearImputer.__init__.__defaults__ = (0.0, road.neighbors_weights)  # noise 0 on both sides for parity
    cams = np.asarray(grayscale, dtype=np.float32)[None]
    percentiles = list(range(10, 100, 10))
    values = {}
    # The logit too: with 1000 random-weight classes every probability, and so every ROAD score, is below 0.01.
    targets = [('probability', ClassifierOutputSoftmaxTarget(cam_class)), ('logit', ClassifierOutputTarget(cam_class))]
    for name, target in targets:
        morf = float(ROADMostRelevantFirstAverage(percentiles)(x[:1], cams, [target], model)[0])
        lerf = float(ROADLeastRelevantFirstAverage(percentiles)(x[:1], cams, [target], model)[0])
        v = {'road-morf': morf, 'road-lerf': lerf, 'road': (lerf - morf) / 2}
        if detail:
            v['road-morf-percentiles'] = [float(ROADMostRelevantFirst(p)(x[:1], cams, [target], model)[0]) for p in percentiles]
            v['road-lerf-percentiles'] = [float(ROADLeastRelevantFirst(p)(x[:1], cams, [target], model)[0]) for p in percentiles]
            v['road-combined'] = float(ROADCombined(percentiles)(x[:1], cams, [target], model)[0])
        values[name] = v
    soft = [ClassifierOutputSoftmaxTarget(cam_class)]
    values['grad-cam-drop'] = float(DropInConfidence()(x[:1], cams, soft, model)[0])
    values['grad-cam-increase'] = float(IncreaseInConfidence()(x[:1], cams, soft, model)[0])
    metric = ClassificationMetric(FixedCam(model, torch.from_numpy(cams)), functools.partial(torch.softmax, dim=-1))
    metric.update(x[:1], class_idx=cam_class)
    summary = metric.summary()
    values['avg-drop'] = float(summary['avg_drop'])
    values['increase'] = float(summary['conf_increase'])
    return {'percentiles': percentiles, 'noise': 0.0, 'size': list(cams.shape[1:]),
            'cam': base64.b64encode(np.ascontiguousarray(cams[0], dtype='<f4').tobytes()).decode('ascii'), 'values': values}


def make_faithfulness(out_dir, arch, size=224, seed=0, build_kwargs=None, maps=(('gradcam', None, None),), detail=False):
    """faithfulness.json of a case (the model and input of make_case with the same arguments); maps: (method, target
    module getter, our layer name), None for the Grad-CAM target layer."""
    ctor, target, our_layer = ARCHS[arch]
    torch.manual_seed(seed)
    model = ctor(weights=None, **(build_kwargs or {}))
    calibrate_batchnorm(model, size, seed)
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(seed + 2))
    with torch.no_grad():
        cam_class = int(model(x)[0].argmax())
    entries = []
    for method, module, layer in maps:
        started = time.time()
        with METHODS[method](model=model, target_layers=[(module or target)(model)]) as cam:
            grayscale = cam(input_tensor=x, targets=[ClassifierOutputTarget(cam_class)])[0]
        entry = {'method': method, 'layer': layer or our_layer, 'classIndex': cam_class}
        entry.update(faithfulness_values(model, x, cam_class, grayscale, detail))
        entry['seconds'] = round(time.time() - started, 2)
        entries.append(entry)
        print(f'  {arch} {method} faithfulness: {json.dumps({k: v for k, v in entry["values"].items() if k == "probability"})} '
              f'({entry["seconds"]} s)', flush=True)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'faithfulness.json'), 'w') as f:
        json.dump({'peer': f'grad-cam {version("grad-cam")}, torchcam {version("torchcam")}', 'maps': entries}, f, indent=1)


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


def make_case(out_dir, arch, size=224, batch=2, seed=0, build_kwargs=None, cam=True, variants=VARIANTS,
              methods_target=None, cams_stride=1, cams_encoding='f32'):
    """methods_target: (module getter, our layer name) for cams.json when not the Grad-CAM target layer."""
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
    if variants:
        cam_class = int(logits[0].argmax())
        module, layer = (methods_target[0](model), methods_target[1]) if methods_target else (target(model), our_layer)
        cams = method_cams(model, module, x, cam_class, layer, variants, cams_stride, cams_encoding)
        with open(os.path.join(out_dir, 'cams.json'), 'w') as f:
            json.dump(cams, f, indent=1)
        meta['cams'] = 'cams.json'
    with open(os.path.join(out_dir, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    print(f'{arch}: logits {tuple(logits.shape)}, |logits| max {float(logits.abs().max()):.3g}', flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--out', default='.cxr-lab/parity')
    p.add_argument('--arch', action='append', help='only these (default: all six)')
    p.add_argument('--fixture', help='write only the small CI fixture into this directory')
    p.add_argument('--no-scorecam', action='store_true', help='leave Score-CAM out (one forward pass per channel)')
    p.add_argument('--faithfulness-only', action='store_true',
                   help='logits and faithfulness.json only (no CAM maps); with --fixture: only faithfulness.json')
    a = p.parse_args()
    variants = [v for v in VARIANTS if not (a.no_scorecam and v[0] == 'scorecam')]
    torch.set_num_threads(os.cpu_count() or 1)
    if a.fixture:
        # MobileNetV2 at width 0.1 and 64 px with 3 classes: convolutions, depthwise, BatchNorm, linear.
        # The methods at features[13] (4 x 4 x 16 at 64 px: more to compare than the last layer's 2 x 2), every
        # other pixel as uint16, so cams.json stays small.
        tiny = {'size': 64, 'seed': 7, 'build_kwargs': {'width_mult': 0.1, 'num_classes': 3}}
        if not a.faithfulness_only:
            make_case(a.fixture, 'mobilenetv2', batch=1, cam=True, variants=variants,
                      methods_target=(lambda m: m.features[13], 'features.13.add'), cams_stride=2, cams_encoding='u16', **tiny)
        make_faithfulness(a.fixture, 'mobilenetv2', maps=[('gradcam', lambda m: m.features[13], 'features.13.add'),
                                                          ('layercam', lambda m: m.features[13], 'features.13.add')],
                          detail=True, **tiny)
        return
    for arch in a.arch or ARCHS:
        out = os.path.join(a.out, f'torch-{arch}')
        if a.faithfulness_only:
            make_case(out, arch, cam=False, variants=[])
        else:
            make_case(out, arch, variants=variants)
        make_faithfulness(out, arch)


if __name__ == '__main__':
    main()
