"""Reference for torch.utils.data.random_split's order: the subsets' indices
after torch.manual_seed, with lengths and with fractions (1.13's rounding),
and with a torch.Generator; RandomSampler's order with a torch.Generator
(two epochs, and num_samples beyond the dataset size)."""
import torch
from torch.utils.data import RandomSampler, random_split

from common import setup, write_manifest

out = setup()
cases = []
for seed, n, lengths in [(3, 10, [3, 7]), (4, 11, [0.5, 0.3, 0.2]), (5, 7, [7]), (6, 100, [0.8, 0.2])]:
    torch.manual_seed(seed)
    subsets = random_split(range(n), lengths)
    cases.append({"seed": seed, "n": n, "lengths": lengths, "indices": [list(s.indices) for s in subsets]})
g = torch.Generator().manual_seed(8)
with_generator = [list(s.indices) for s in random_split(range(10), [4, 6], generator=g)]
g = torch.Generator().manual_seed(5)
sampler = RandomSampler(range(7), generator=g)
epochs = [list(sampler), list(sampler)]
g = torch.Generator().manual_seed(6)
more = list(RandomSampler(range(4), num_samples=10, generator=g))
default = torch.Generator()
default_perm = torch.randperm(5, generator=default).tolist()
write_manifest(out, {"splits": cases, "split_generator": with_generator, "sampler_epochs": epochs, "sampler_more": more,
                     "default_seed": default.initial_seed(), "default_perm": default_perm})
