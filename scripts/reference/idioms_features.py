"""Reference for hooks and the feature extractor: torchvision's resnet50
built from seed 0 (the TypeScript resnet50 is seed-identical), eval mode, a
seeded 1x3x64x64 input, and torchvision.models.feature_extraction's
create_feature_extractor outputs for a few nodes (modules, and a repeated
module call named the FX way: 'layer1.0.relu_2' is the third call)."""
import torch
import torchvision
from torchvision.models.feature_extraction import create_feature_extractor

from common import save, setup, write_manifest

out = setup()
torch.manual_seed(0)
model = torchvision.models.resnet50()
model.eval()
torch.manual_seed(2)
x = torch.randn(1, 3, 64, 64)
save(out, "x", x)
NODES = {"layer1.0.relu_2": "block0", "layer2": "feat2", "layer3": "feat3", "avgpool": "pool"}
extractor = create_feature_extractor(model, return_nodes=NODES)
with torch.no_grad():
    feats = extractor(x)
    logits = model(x)
for name, t in feats.items():
    save(out, name, t)
save(out, "logits", logits)
write_manifest(out, {"nodes": NODES})
