#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes torchvision reference outputs for test_segmentation_models' logitsMatchTorchvision.
"""Reference logits of torchvision's fcn_resnet50 and deeplabv3_resnet50.

For each model: a seeded random initialisation (aux_loss=False, 21 classes, no download), with
BatchNorm running statistics randomised too so that eval-mode normalisation is exercised, is
saved as <model>.safetensors; one input of an odd size (65x47, to exercise the final bilinear
upsampling) as input.safetensors; and the model's eval-mode logits for it as
<model>_logits.safetensors. test_segmentation_models runs this script itself into a temporary
folder; to keep and reuse the files:

    python3 tests/tools/segmentation_reference.py /tmp/seg_ref
    TPGM_SEG_REFERENCE=/tmp/seg_ref build/release/bin/test_segmentation_models

Needs torch and torchvision (Debian: python3-torch python3-torchvision); the safetensors
package is used when installed, otherwise the files are written by the small writer below
(the format is an 8-byte header length, a JSON header, then the raw little-endian data).
"""

import argparse
import json
import pathlib
import struct

import torch
from torchvision.models.segmentation import deeplabv3_resnet50, fcn_resnet50

try:
    from safetensors.torch import save_file
except ImportError:  # Debian 12 packages torch and torchvision but not safetensors
    _DTYPE_NAMES = {torch.float32: "F32", torch.int64: "I64"}

    def save_file(tensors: dict, path: str) -> None:
        header, blobs, offset = {}, [], 0
        for name, tensor in tensors.items():
            data = tensor.contiguous().numpy().tobytes()
            header[name] = {
                "dtype": _DTYPE_NAMES[tensor.dtype],
                "shape": list(tensor.shape),
                "data_offsets": [offset, offset + len(data)],
            }
            blobs.append(data)
            offset += len(data)
        encoded = json.dumps(header).encode()
        encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
        with open(path, "wb") as out:
            out.write(struct.pack("<Q", len(encoded)))
            out.write(encoded)
            for blob in blobs:
                out.write(blob)


def randomise_batch_norm(model: torch.nn.Module, generator: torch.Generator) -> None:
    # Fresh BNs have mean 0 / var 1 and weight 1 / bias 0, which would hide a swapped or
    # unused statistic; random values make every BN tensor matter.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(0.1 * torch.randn(c, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(c, generator=generator))
                m.weight.copy_(1.0 + 0.1 * torch.randn(c, generator=generator))
                m.bias.copy_(0.1 * torch.randn(c, generator=generator))
                m.num_batches_tracked.fill_(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=pathlib.Path, help="folder to write the files into")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    generator = torch.Generator().manual_seed(args.seed)
    image = torch.randn(2, 3, 65, 47, generator=generator)
    save_file({"input": image.contiguous()}, str(args.out / "input.safetensors"))

    for name, build in (("fcn_resnet50", fcn_resnet50), ("deeplabv3_resnet50", deeplabv3_resnet50)):
        torch.manual_seed(args.seed)
        model = build(weights=None, weights_backbone=None, num_classes=21, aux_loss=False)
        randomise_batch_norm(model, generator)
        model.eval()
        with torch.no_grad():
            logits = model(image)["out"]
        state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(args.out / f"{name}.safetensors"))
        save_file({"logits": logits.contiguous()}, str(args.out / f"{name}_logits.safetensors"))
        print(f"{name}: {len(state)} tensors, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
