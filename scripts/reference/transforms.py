"""Reference for lib/transforms: torchvision.transforms on tensors, and PNG fixtures.

Writes PNG images of odd sizes (seeded noise plus smooth gradients, so both
aliasing and interpolation matter), the pixels PIL decodes from them (uint8
CHW, to check the TS decoder gets the same pixels), and the outputs of
torchvision's functional ops and of the ImageNet pipeline on those pixels.
"""
import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

from common import THREADS, save, setup, write_manifest

out = setup()
rng = np.random.default_rng(0)

SIZES = [(333, 500), (257, 255), (101, 37), (480, 359), (224, 224)]
images = []
for h, w in SIZES:
    yy, xx = np.mgrid[0:h, 0:w]
    smooth = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), (xx + yy) * 255 // max(h + w - 2, 1)], -1)
    noise = rng.integers(0, 256, size=(h, w, 3))
    pixels = np.where((xx // 16 + yy // 16)[..., None] % 2 == 0, smooth, noise).astype(np.uint8)
    name = f"img_{h}x{w}"
    Image.fromarray(pixels, "RGB").save(f"{out}/{name}.png")
    decoded = torch.from_numpy(np.array(Image.open(f"{out}/{name}.png").convert("RGB"))).permute(2, 0, 1).contiguous()
    save(out, name, decoded)
    images.append((name, decoded))

cases = []


def case(id, image, op, args, result):
    cases.append({"id": id, "image": image, "op": op, "args": args, "output": save(out, id, result)})


MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
for name, img in images:
    for antialias in (True, False):
        pipeline = T.Compose([
            T.Resize(256, antialias=antialias),
            T.CenterCrop(224),
            T.ConvertImageDtype(torch.float),
            T.Normalize(MEAN, STD),
        ])
        case(f"{name}_imagenet_aa{int(antialias)}", name, "imagenet", {"antialias": antialias}, pipeline(img))
    # resize: short side and [h, w], each interpolation, uint8 and float input
    for size in ([256], [97], [300, 123]):
        for interp, modes in (("bilinear", (True, False)), ("bicubic", (True, False)), ("nearest", (False,))):
            for antialias in modes:
                mode = getattr(T.InterpolationMode, interp.upper())
                key = "x".join(map(str, size))
                case(f"{name}_resize_{key}_{interp}_aa{int(antialias)}", name, "resize",
                     {"size": size, "interpolation": interp, "antialias": antialias},
                     F.resize(img, size, interpolation=mode, antialias=antialias))
                if interp != "nearest":
                    case(f"{name}_resizef_{key}_{interp}_aa{int(antialias)}", name, "resizeFloat",
                         {"size": size, "interpolation": interp, "antialias": antialias},
                         F.resize(F.convert_image_dtype(img, torch.float), size, interpolation=mode, antialias=antialias))
    case(f"{name}_resize_max", name, "resize", {"size": [100], "interpolation": "bilinear", "antialias": True, "maxSize": 120},
         F.resize(img, [100], max_size=120, antialias=True))
    for size in ([224], [223, 99], [31], [600, 40]):
        case(f"{name}_center_{'x'.join(map(str, size))}", name, "centerCrop", {"size": size}, F.center_crop(img, size))
    for box in ((3, 5, 40, 31), (-7, -3, 50, 60), (20, 20, 400, 600)):
        case(f"{name}_crop_{'_'.join(map(str, box))}", name, "crop", {"box": list(box)}, F.crop(img, *box))
    for padding, fill, mode in (([3], 0, "constant"), ([2, 5], 7, "constant"), ([1, 2, 3, 4], 0, "edge"), ([4, 1], 0, "reflect")):
        case(f"{name}_pad_{'_'.join(map(str, padding))}_{mode}", name, "pad", {"padding": padding, "fill": fill, "mode": mode},
             F.pad(img, padding, fill=fill, padding_mode=mode))
    case(f"{name}_hflip", name, "hflip", {}, F.hflip(img))
    f = F.convert_image_dtype(img, torch.float)
    case(f"{name}_tofloat", name, "convertImageDtype", {"dtype": "float32"}, f)
    case(f"{name}_tofloat64", name, "convertImageDtype", {"dtype": "float64"}, F.convert_image_dtype(img, torch.float64))
    case(f"{name}_touint8", name, "floatToUint8", {}, F.convert_image_dtype(f, torch.uint8))
    case(f"{name}_normalize", name, "normalize", {"mean": MEAN, "std": STD}, F.normalize(f, MEAN, STD))

# torch.nn.functional.interpolate itself (what lib/functional.ts's interpolate calls).
torch.manual_seed(0)
x = torch.randn(2, 3, 11, 7)
save(out, "interp_input", x)
for mode, kwargs in (
    ("nearest", {"size": [5, 9]}),
    ("nearest", {"scale_factor": [1.7, 0.6]}),
    ("nearest-exact", {"size": [13, 4]}),
    ("bilinear", {"size": [5, 9], "align_corners": False}),
    ("bilinear", {"size": [23, 3], "align_corners": True}),
    ("bilinear", {"scale_factor": [2.5, 0.5], "align_corners": False}),
    ("bilinear", {"size": [4, 3], "antialias": True}),
    ("bicubic", {"size": [20, 15], "align_corners": True}),
    ("bicubic", {"size": [4, 5], "antialias": True}),
):
    key = "_".join(f"{k}{v}" for k, v in kwargs.items()).replace(" ", "").replace(",", "x").replace("[", "").replace("]", "")
    cases.append({"id": f"interp_{mode}_{key}", "image": "interp_input", "op": "interpolate", "args": {"mode": mode, **kwargs},
                  "output": save(out, f"interp_{mode}_{key}", torch.nn.functional.interpolate(x, mode=mode, **kwargs))})

write_manifest(out, {"threads": THREADS, "cases": cases})
