"""ImageNet-style inference: preprocess an image tensor, run resnet18, print the top-5 classes.

Run: /usr/bin/python3 examples/inference_top5.py [OUTDIR]   (inference_top5.ts is the TypeScript port)
The weights are torchvision's seeded initialisation (no download); the "image" is random uint8 of
an odd size, so the center-crop offset needs torchvision's rounding.
"""
import os
import sys

import numpy as np
import torch
import torchvision

torch.set_num_threads(1)
out = sys.argv[1] if len(sys.argv) > 1 else "examples-out/inference_top5-py"
os.makedirs(out, exist_ok=True)

torch.manual_seed(0)
model = torchvision.models.resnet18().eval()
image = torch.randint(0, 256, (3, 251, 299), dtype=torch.uint8)  # C, H, W as read from a file

# transforms.CenterCrop(224) + ToTensor-style scaling + Normalize, on tensors
crop = 224
top = int(round((image.shape[1] - crop) / 2.0))   # Python rounds half to even: 13.5 -> 14, 37.5 -> 38
left = int(round((image.shape[2] - crop) / 2.0))
x = image[:, top:top + crop, left:left + crop].float() / 255
mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
x = ((x - mean) / std).unsqueeze(0)

with torch.no_grad():
    probs = model(x).softmax(1)
values, indices = probs.topk(5)
for p, c in zip(values[0].tolist(), indices[0].tolist()):
    print("class %4d  p=%.6f" % (c, p))

np.save(os.path.join(out, "input.npy"), x.numpy())
np.save(os.path.join(out, "top5_values.npy"), values.numpy())
np.save(os.path.join(out, "top5_indices.npy"), indices.numpy())
