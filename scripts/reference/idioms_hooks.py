"""Reference for register_full_backward_hook: a seeded Linear-ReLU-Linear
stack, hooks on the first Linear and on the ReLU record grad_input and
grad_output during one backward; saves them, the input gradient, and the
gradients when the ReLU's hook doubles its grad_input."""
import torch
import torch.nn as nn

from common import save, setup, write_manifest

out = setup()
for case, double in [("plain", False), ("doubled", True)]:
    torch.manual_seed(9)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    if case == "plain":
        for i, v in enumerate(model.state_dict().values()):
            save(out, f"init_{i}", v)
    torch.manual_seed(10)
    x = torch.randn(5, 4, requires_grad=True)
    if case == "plain":
        save(out, "x", x)
    records = {}

    def recorder(name):
        def hook(module, grad_input, grad_output):
            records[name] = (grad_input, grad_output)
            if double and name == "relu":
                return (grad_input[0] * 2,)
        return hook

    model[0].register_full_backward_hook(recorder("lin"))
    model[1].register_full_backward_hook(recorder("relu"))
    model(x).sum().backward()
    for name, (gi, go) in records.items():
        save(out, f"{case}_{name}_gin", gi[0])
        save(out, f"{case}_{name}_gout", go[0])
    save(out, f"{case}_gx", x.grad)
    save(out, f"{case}_gw0", model[0].weight.grad)
write_manifest(out, {"cases": ["plain", "doubled"]})
