"""Reference for torch.utils.data.random_split's order: the subsets' indices
after torch.manual_seed, with lengths and with fractions (1.13's rounding)."""
import torch
from torch.utils.data import random_split

from common import setup, write_manifest

out = setup()
cases = []
for seed, n, lengths in [(3, 10, [3, 7]), (4, 11, [0.5, 0.3, 0.2]), (5, 7, [7]), (6, 100, [0.8, 0.2])]:
    torch.manual_seed(seed)
    subsets = random_split(range(n), lengths)
    cases.append({"seed": seed, "n": n, "lengths": lengths, "indices": [list(s.indices) for s in subsets]})
write_manifest(out, cases)
