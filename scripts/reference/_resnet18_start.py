"""The shared start of the training references (train.py, ddp.py): resnet18
(10 classes) from seed 2024 with non-trivial BatchNorm running statistics
(two train-mode forwards on 4x3x32x32 noise), its initial state_dict saved as
init_{i}.npy in state_dict order. Not run as a reference on its own (the
leading underscore); each user names it on a `# fixture-depends:` line so
editing it remakes both fixture sets."""
import torch
import torchvision

from common import save


def resnet18_start(out):
    """Seeds the generator, builds the model and saves its initial weights.
    Returns (model, initial state_dict copy, keys in state_dict order); the
    generator is left where the callers' batches continue from it."""
    torch.manual_seed(2024)
    model = torchvision.models.resnet18(num_classes=10)
    with torch.no_grad():
        model.train()
        for _ in range(2):
            model(torch.randn(4, 3, 32, 32))
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    keys = list(initial.keys())
    for i, k in enumerate(keys):
        save(out, f"init_{i}", initial[k])
    return model, initial, keys
