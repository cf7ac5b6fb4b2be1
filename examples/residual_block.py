"""A custom residual block (the BasicBlock pattern written by hand), one forward and backward.

Run: /usr/bin/python3 examples/residual_block.py [OUTDIR]   (residual_block.ts is the TypeScript port)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
out = sys.argv[1] if len(sys.argv) > 1 else "examples-out/residual_block-py"
os.makedirs(out, exist_ok=True)


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)  # the residual add, then ReLU


torch.manual_seed(0)
block = ResidualBlock(8)
x = torch.randn(2, 8, 10, 10, requires_grad=True)
y = block(x)
loss = y.pow(2).mean()
loss.backward()
print("loss %.6f, %d parameters" % (loss.item(), sum(p.numel() for p in block.parameters())))

np.save(os.path.join(out, "output.npy"), y.detach().numpy())
np.save(os.path.join(out, "input_grad.npy"), x.grad.numpy())
np.save(os.path.join(out, "conv1_weight_grad.npy"), block.conv1.weight.grad.numpy())
np.save(os.path.join(out, "bn2_running_var.npy"), block.bn2.running_var.numpy())
