#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes torchvision reference outputs for test_segmentation_models' logitsMatchTorchvision.
"""Reference logits of torchvision's fcn_resnet50 and deeplabv3_resnet50, and of fcn_vit_s16.

For each model: a seeded random initialisation (aux_loss=False, 21 classes, no download), with
BatchNorm running statistics randomised too so that eval-mode normalisation is exercised, is
saved as <model>.safetensors; one input of an odd size (65x47, to exercise the final bilinear
upsampling) as input.safetensors; and the model's eval-mode logits for it as
<model>_logits.safetensors.

fcn_vit_s16 has no torchvision model: it is assembled here from torchvision's own parts, its
VisionTransformer encoder (ViT-S/16 sizes, nn.MultiheadAttention) and FCNHead, with the steps
our model adds written out in Python (pad to multiples of 16, pos_embed resampled as timm's
resample_abs_pos_embed, patch tokens as a map, upsample, crop). Its state dict is saved under
the workbench's timm names (vit_state_to_timm).

test_segmentation_models runs this script itself into a temporary
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
import torch.nn.functional as F
from torchvision.models.segmentation import deeplabv3_resnet50, fcn_resnet50
from torchvision.models.segmentation.fcn import FCNHead
from torchvision.models.vision_transformer import VisionTransformer

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


def randomise_layer_norm(model: torch.nn.Module, generator: torch.Generator) -> None:
    # Fresh LayerNorms are weight 1 / bias 0, which would hide a swapped or unused one.
    for m in model.modules():
        if isinstance(m, torch.nn.LayerNorm):
            with torch.no_grad():
                m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=generator))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=generator))


def vit_state_to_timm(vit: VisionTransformer, head: torch.nn.Module) -> dict:
    """torchvision's ViT names to timm's (the workbench's), under backbone. and classifier."""
    state = {
        "backbone.cls_token": vit.class_token,
        "backbone.pos_embed": vit.encoder.pos_embedding,
        "backbone.patch_embed.proj.weight": vit.conv_proj.weight,
        "backbone.patch_embed.proj.bias": vit.conv_proj.bias,
        "backbone.norm.weight": vit.encoder.ln.weight,
        "backbone.norm.bias": vit.encoder.ln.bias,
    }
    for i, layer in enumerate(vit.encoder.layers):
        ours = f"backbone.blocks.{i}."
        pairs = {
            "norm1": layer.ln_1,
            "norm2": layer.ln_2,
            "mlp.fc1": layer.mlp[0],
            "mlp.fc2": layer.mlp[3],
            "attn.proj": layer.self_attention.out_proj,
        }
        for name, module in pairs.items():
            state[ours + name + ".weight"] = module.weight
            state[ours + name + ".bias"] = module.bias
        # nn.MultiheadAttention packs q, k, v row-wise, as timm's qkv Linear.
        state[ours + "attn.qkv.weight"] = layer.self_attention.in_proj_weight
        state[ours + "attn.qkv.bias"] = layer.self_attention.in_proj_bias
    for k, v in head.state_dict().items():
        state["classifier." + k] = v
    return {k: v.detach().contiguous() for k, v in state.items()}


def fcn_vit_logits(vit: VisionTransformer, head: torch.nn.Module, image: torch.Tensor):
    patch, grid = vit.patch_size, vit.image_size // vit.patch_size
    h, w = image.shape[-2:]
    padded_h, padded_w = -(-h // patch) * patch, -(-w // patch) * patch
    x = F.pad(image, (0, padded_w - w, 0, padded_h - h))
    x = vit.conv_proj(x)
    gh, gw = x.shape[-2:]
    x = torch.cat([vit.class_token.expand(x.shape[0], -1, -1), x.flatten(2).transpose(1, 2)], 1)
    pos = vit.encoder.pos_embedding
    grid_part = pos[:, 1:].reshape(1, grid, grid, -1).permute(0, 3, 1, 2)
    grid_part = F.interpolate(grid_part, size=(gh, gw), mode="bicubic", antialias=True,
                              align_corners=False)
    pos = torch.cat([pos[:, :1], grid_part.permute(0, 2, 3, 1).reshape(1, gh * gw, -1)], 1)
    x = vit.encoder.ln(vit.encoder.layers(x + pos))
    x = x[:, 1:].transpose(1, 2).reshape(x.shape[0], -1, gh, gw)
    logits = F.interpolate(head(x), size=(padded_h, padded_w), mode="bilinear",
                           align_corners=False)
    return logits[:, :, :h, :w]


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

    torch.manual_seed(args.seed)
    vit = VisionTransformer(image_size=224, patch_size=16, num_layers=12, num_heads=6,
                            hidden_dim=384, mlp_dim=1536)
    head = FCNHead(384, 21)
    with torch.no_grad():  # torchvision's std 0.02 / zeros would let a wrong resample pass
        vit.class_token.normal_(0.0, 0.5, generator=generator)
        vit.encoder.pos_embedding.normal_(0.0, 0.5, generator=generator)
    randomise_layer_norm(vit, generator)
    randomise_batch_norm(head, generator)
    vit.eval()
    head.eval()
    with torch.no_grad():
        logits = fcn_vit_logits(vit, head, image)
    state = vit_state_to_timm(vit, head)
    save_file(state, str(args.out / "fcn_vit_s16.safetensors"))
    save_file({"logits": logits.contiguous()}, str(args.out / "fcn_vit_s16_logits.safetensors"))
    print(f"fcn_vit_s16: {len(state)} tensors, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
