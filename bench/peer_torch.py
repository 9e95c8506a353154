"""PyTorch side of the bench: one measurement per process, same configuration as bench/ours.ts.

Usage: bench/.venv/bin/python bench/peer_torch.py --task train|infer|gradcam --arch resnet18 --size 224
       [--batch 20] [--warmup 1] [--steps 5] [--image file.png]
Prints one JSON line (last on stdout): value (img/s, or ms per image for gradcam), samples, maxRssMB, info.
"""
import argparse
import importlib.metadata
import json
import resource
import statistics
import time

import torch
import torchvision
from torchvision import transforms

NUM_CLASSES = 3
TORCHVISION_NAMES = {"mobilenetv2": "mobilenet_v2", "squeezenet1_1": "squeezenet1_1"}
# The module whose output is our camLayer: resnet18 'layer4.1.relu2' is the output of layer4[-1];
# densenet121 'features.norm5' and mobilenetv2 'features.18.2' are the last modules of `features`.
CAM_LAYERS = {"resnet18": "layer4.1", "resnet50": "layer4.2", "densenet121": "features.norm5", "mobilenetv2": "features.18"}


def time_steps(warmup, steps, fn):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def build(arch):
    return getattr(torchvision.models, TORCHVISION_NAMES.get(arch, arch))(weights=None, num_classes=NUM_CLASSES)


def measure_model(a):
    model = build(a.arch)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.randint(0, NUM_CLASSES, (a.batch,))
    if a.task == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                torch.softmax(model(x), 1)
    samples = time_steps(a.warmup, a.steps, step)
    return a.batch / statistics.median(samples), samples, {}


def measure_gradcam(a):
    from pytorch_grad_cam import GradCAM

    model = build(a.arch).eval()
    if a.image:
        # Same preprocessing as ours: grey replicated to RGB, plain resize, ImageNet normalisation.
        from PIL import Image

        t = transforms.Compose([transforms.Resize((a.size, a.size)), transforms.ToTensor(),
                                transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
        x = t(Image.open(a.image).convert("L").convert("RGB")).unsqueeze(0)
    else:
        x = torch.randn(1, 3, a.size, a.size)
    layer = CAM_LAYERS[a.arch]
    cam = GradCAM(model=model, target_layers=[model.get_submodule(layer)])
    samples = [s * 1000 for s in time_steps(a.warmup, a.steps, lambda: cam(input_tensor=x, targets=None))]
    return statistics.median(samples), samples, {"layer": layer}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", required=True, choices=["train", "infer", "gradcam"])
    p.add_argument("--arch", required=True)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--image")
    a = p.parse_args()
    value, samples, info = measure_gradcam(a) if a.task == "gradcam" else measure_model(a)
    info.update(threads=torch.get_num_threads(), versions={
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "grad-cam": importlib.metadata.version("grad-cam")})
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n" + json.dumps({"value": value, "samples": samples, "maxRssMB": max_rss_mb, "info": info}))


if __name__ == "__main__":
    main()
