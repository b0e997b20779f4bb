#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates the reference checkpoints and logits that tests/test_checkpoint_formats.cpp checks.

Run by hand (never by the tests), with Debian's PyTorch:
    apt-get install python3-torchvision
    /usr/bin/python3 tests/data/make_reference.py tests/data

Models are real torchvision ResNets (BasicBlock and Bottleneck from torchvision.models.resnet)
at reduced width so that the committed files stay small, and a timm-named ViT written out here
in plain torch (timm is not packaged in Debian). Outputs:
    resnet_basic.pth          torch.save(model.state_dict())  (OrderedDict with _metadata)
    resnet_basic.ts           torch.jit.script(model) saved with torch.jit.save
    resnet_basic.safetensors  the same weights, written by hand (struct + json)
    moco_bottleneck.pth       MoCo-v3-style wrapper {"state_dict": {"module.base_encoder.*"}, ...}
    vit_tiny.safetensors      timm-named ViT weights
    reference.safetensors     inputs and expected logits for each model
"""
import collections
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet


class NarrowResNet(ResNet):
    """torchvision's ResNet with configurable stage widths (torchvision fixes them at 64..512)."""

    def __init__(self, block, layers, widths, num_classes):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = widths[0]
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, widths[0], layers[0])
        self.layer2 = self._make_layer(block, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3] * block.expansion, num_classes)


def randomise_bn(model):
    """Non-trivial BatchNorm statistics and affine parameters, so that eval mode is tested."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.normal_(0, 0.1)
            m.num_batches_tracked.fill_(7)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    """timm's VisionTransformer (class-token pooling), same parameter names."""

    def __init__(self, img=32, patch=16, dim=32, depth=2, heads=2, mlp_ratio=4, num_classes=10):
        super().__init__()
        n = (img // patch) ** 2
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.patch_embed = PatchEmbed(patch, dim)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(2023)
    ref = collections.OrderedDict()

    basic = NarrowResNet(BasicBlock, [1, 1, 1, 1], [8, 16, 32, 64], 10)
    randomise_bn(basic)
    basic.eval()
    x = torch.randn(2, 3, 64, 64)
    ref["resnet_basic.input"] = x
    with torch.no_grad():
        ref["resnet_basic.logits"] = basic(x)
    sd = basic.state_dict()
    assert hasattr(sd, "_metadata")
    torch.save(sd, os.path.join(out, "resnet_basic.pth"))
    torch.jit.save(torch.jit.script(basic), os.path.join(out, "resnet_basic.ts"))
    write_safetensors(os.path.join(out, "resnet_basic.safetensors"), sd)

    bottle = NarrowResNet(Bottleneck, [1, 1, 1, 1], [4, 8, 16, 32], 7)
    randomise_bn(bottle)
    bottle.eval()
    xb = torch.randn(2, 3, 48, 48)
    ref["moco_bottleneck.input"] = xb
    with torch.no_grad():
        ref["moco_bottleneck.logits"] = bottle(xb)
    wrapped = collections.OrderedDict(
        ("module.base_encoder." + k, v) for k, v in bottle.state_dict().items())
    wrapped["module.predictor.0.weight"] = torch.randn(4, 4)
    torch.save({"epoch": 100, "arch": "resnet50", "best_acc1": 71.5,
                "state_dict": wrapped, "optimizer": {"state": {}, "param_groups": [{"lr": 0.1}]}},
               os.path.join(out, "moco_bottleneck.pth"))

    vit = ViT()
    with torch.no_grad():
        for p in vit.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    vit.eval()
    xv = torch.randn(2, 3, 32, 32)
    ref["vit_tiny.input"] = xv
    with torch.no_grad():
        ref["vit_tiny.logits"] = vit(xv)
    write_safetensors(os.path.join(out, "vit_tiny.safetensors"), vit.state_dict())

    write_safetensors(os.path.join(out, "reference.safetensors"), ref)
    print("wrote", sorted(os.listdir(out)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
