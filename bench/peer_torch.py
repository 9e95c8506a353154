"""PyTorch side of the bench: one measurement per process, same configuration as bench/ours.ts.

Usage: bench/.venv/bin/python bench/peer_torch.py --task train|infer|gradcam|gradcam-batch|peak --arch resnet18 --size 224
       [--batch 20] [--warmup 1] [--steps 5] [--image file.png] [--images 180 --files list.txt]
Prints one JSON line (last on stdout): value (img/s, or ms per image for gradcam), samples, maxRssMB, info.
gradcam-batch: --images inputs (the files named one a line in --files, else random) through GradCAM in chunks of
--batch, one call per chunk; value = images / total seconds, samples = per-chunk seconds.
peak: torch.mm of two --size × --size float32 matrices, value = GFLOP/s of the fastest of --steps calls.
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


def load_image(path, size):
    # Same preprocessing as ours: grey replicated to RGB, plain resize, ImageNet normalisation.
    from PIL import Image

    t = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor(),
                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return t(Image.open(path).convert("L").convert("RGB")).unsqueeze(0)


def measure_gradcam_batch(a):
    from pytorch_grad_cam import GradCAM

    model = build(a.arch).eval()
    if a.files:
        with open(a.files) as f:
            files = [line.strip() for line in f if line.strip()]
        if len(files) != a.images:
            raise SystemExit(f"gradcam-batch: {len(files)} files for {a.images} images")
        x = torch.cat([load_image(p, a.size) for p in files])
    else:
        x = torch.randn(a.images, 3, a.size, a.size)
    layer = CAM_LAYERS[a.arch]
    cam = GradCAM(model=model, target_layers=[model.get_submodule(layer)])
    for _ in range(a.warmup):
        cam(input_tensor=x[:a.batch], targets=None)
    samples = []
    for start in range(0, a.images, a.batch):
        t0 = time.perf_counter()
        maps = cam(input_tensor=x[start:start + a.batch], targets=None)
        samples.append(time.perf_counter() - t0)
        assert maps.shape[0] == min(a.batch, a.images - start)
    return a.images / sum(samples), samples, {"layer": layer}


def measure_gradcam(a):
    from pytorch_grad_cam import GradCAM

    model = build(a.arch).eval()
    if a.image:
        x = load_image(a.image, a.size)
    else:
        x = torch.randn(1, 3, a.size, a.size)
    layer = CAM_LAYERS[a.arch]
    cam = GradCAM(model=model, target_layers=[model.get_submodule(layer)])
    samples = [s * 1000 for s in time_steps(a.warmup, a.steps, lambda: cam(input_tensor=x, targets=None))]
    return statistics.median(samples), samples, {"layer": layer}


def measure_peak(a):
    # torch.mm of two n×n float32 matrices (--size n): 2·n³ FLOPs a call; value GFLOP/s of the fastest call (a peak).
    x, y = torch.randn(a.size, a.size), torch.randn(a.size, a.size)
    samples = time_steps(a.warmup, a.steps, lambda: torch.mm(x, y))
    return 2 * a.size ** 3 / min(samples) / 1e9, samples, {"n": a.size}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", required=True, choices=["train", "infer", "gradcam", "gradcam-batch", "peak"])
    p.add_argument("--arch", default="none")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--image")
    p.add_argument("--images", type=int, default=180)
    p.add_argument("--files")
    a = p.parse_args()
    measure = {"gradcam": measure_gradcam, "gradcam-batch": measure_gradcam_batch, "peak": measure_peak}.get(a.task, measure_model)
    value, samples, info = measure(a)
    info.update(threads=torch.get_num_threads(), versions={
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "grad-cam": importlib.metadata.version("grad-cam")})
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\n" + json.dumps({"value": value, "samples": samples, "maxRssMB": max_rss_mb, "info": info}))


if __name__ == "__main__":
    main()
