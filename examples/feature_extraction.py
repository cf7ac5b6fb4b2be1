"""Feature extraction: a resnet18 without its classifier embeds images; compare them by cosine
similarity and rank the nearest neighbours.

Run: /usr/bin/python3 examples/feature_extraction.py [OUTDIR]   (feature_extraction.ts is the TypeScript port)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

torch.set_num_threads(1)
out = sys.argv[1] if len(sys.argv) > 1 else "examples-out/feature_extraction-py"
os.makedirs(out, exist_ok=True)

torch.manual_seed(0)
model = torchvision.models.resnet18()
model.fc = nn.Identity()  # the 512-d pooled features come out
model.eval()
images = torch.rand(5, 3, 64, 64)
with torch.no_grad():
    features = model(images)
embeddings = F.normalize(features, dim=1)
similarity = embeddings.mm(embeddings.t())
neighbours = similarity.argsort(dim=1, descending=True)[:, 1:3]  # the two nearest, skipping itself
pair = F.cosine_similarity(features[0:1], features[1:2])
print("nearest neighbours:", neighbours.tolist())
print("cos(0, 1) = %.6f" % pair.item())

np.save(os.path.join(out, "features.npy"), features.numpy())
np.save(os.path.join(out, "similarity.npy"), similarity.numpy())
np.save(os.path.join(out, "neighbours.npy"), neighbours.numpy())
np.save(os.path.join(out, "pair.npy"), pair.numpy())
