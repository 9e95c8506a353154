#!/usr/bin/env bash
# npm run parity: reference outputs from torchvision + pytorch-grad-cam (and Keras when its venv exists or
# --keras is given), then our loaders and architectures on the same weights and inputs. Not part of CI:
# it needs about 6 GB of Python packages (torch is a CUDA build on PyPI for Python 3.11).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.cxr-lab/parity
TORCH_VENV=bench/.venv
KERAS_VENV=bench/.venv-keras

if [ ! -x "$TORCH_VENV/bin/python" ] || ! "$TORCH_VENV/bin/python" -c 'import torchvision, pytorch_grad_cam' 2>/dev/null; then
  echo "Creating $TORCH_VENV (torch 2.14.1, torchvision 0.29.1, grad-cam)…"
  python3 -m venv "$TORCH_VENV"
  "$TORCH_VENV/bin/pip" install -q torch==2.14.1 torchvision==0.29.1 grad-cam h5py
fi
# torch-cam's Average Drop / Increase in Confidence for faithfulness.json (its dependencies are grad-cam's too).
"$TORCH_VENV/bin/python" -c 'import torchcam' 2>/dev/null || "$TORCH_VENV/bin/pip" install -q torchcam==0.5.0
rm -rf "$OUT" && mkdir -p "$OUT"
"$TORCH_VENV/bin/python" test/parity/make_torch.py --out "$OUT"

if [ "${1:-}" = "--keras" ] || [ -x "$KERAS_VENV/bin/python" ]; then
  if [ ! -x "$KERAS_VENV/bin/python" ]; then
    echo "Creating $KERAS_VENV (tensorflow-cpu 2.20.0)…"
    python3 -m venv "$KERAS_VENV"
    "$KERAS_VENV/bin/pip" install -q tensorflow-cpu==2.20.0 h5py
  fi
  "$KERAS_VENV/bin/python" test/parity/make_keras.py --out "$OUT"
fi

node --import tsx test/parity/run.ts "$OUT"
