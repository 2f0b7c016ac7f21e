"""The image paths around the DeOldify generators, step for step as the originals.

jantic (stable / artistic / video; ``ModelImageVisualizer.get_transformed_image`` with
``post_process=True`` and no watermark):

1. stretch the RGB image to ``S x S`` with **Pillow** bilinear (``S = 16 * render_factor``);
2. Pillow ``LA`` (ITU-R 601 luma, fixed point) replicated to RGB;

(Pillow's arithmetic as of 9.3-12.1 is reimplemented in ``colourfr.resampling``, so the
results do not change with the Pillow installed; Pillow 13 resizes differently.)
3. ``/255`` and ImageNet normalisation in float32 -> network -> ``y * std + mean``,
   clamp to [0, 1], ``* 255`` and **truncate** to uint8;
4. Pillow bilinear resize back to the input size;
5. OpenCV uint8 YUV (BT.601): keep the input's Y, take U and V from the network.

dana-kelley (2018, ``plot_transformed_image`` with ``Colorizer34``): float32 throughout,
OpenCV ``INTER_AREA`` resizes, grey via ``COLOR_BGR2GRAY`` applied to RGB data,
inception normalisation ``(x - 0.5) / 0.5``, tanh network, float YUV merge (again with the
BGR codes on RGB data), then scipy 1.x ``imsave``'s global min-max contrast stretch.

Colour input: the networks only ever see luminance (step 2 / the grey transform), and the
output keeps the input's own luma (step 5), exactly as the originals do with colour files;
the project feeds greyscale images, which pass through these steps unchanged.

The batched functions give the same per-image results as the one-image functions: every
network input is ``S x S`` whatever the image size, so images of any size share a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import cv2
import numpy as np
import torch
from torch import nn

from colourfr.resampling import pillow12_bilinear_resize, pillow_luma

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
DEFAULT_RENDER_FACTOR = 35
DEFAULT_BATCH_SIZE = 4


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """(H,W) grey or (H,W,3) RGB uint8 -> (H,W,3) RGB uint8 (grey replicated, as PIL does)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 3:
        return np.ascontiguousarray(image)
    raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {image.shape}")


def render_size(render_factor: int) -> int:
    if not isinstance(render_factor, (int, np.integer)) or render_factor < 1:
        raise ValueError(f"render_factor must be a positive integer, got {render_factor!r}")
    return int(render_factor) * 16


# ---------------------------------------------------------------------------- jantic


def jantic_net_input(image: np.ndarray, render_factor: int = DEFAULT_RENDER_FACTOR) -> np.ndarray:
    """(3, S, S) float32: the tensor the original feeds the network (without batch dim)."""
    size = render_size(render_factor)
    square = pillow12_bilinear_resize(as_rgb_uint8(image), size, size)
    grey = np.repeat(pillow_luma(square)[:, :, None], 3, axis=2)
    x = grey.transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    return (x - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]


def jantic_model_rgb(net_output: np.ndarray) -> np.ndarray:
    """(3, S, S) raw output -> (S, S, 3) uint8: denormalise, clamp, *255, truncate."""
    y = net_output.astype(np.float32, copy=False) * IMAGENET_STD[:, None, None]
    y = y + IMAGENET_MEAN[:, None, None]
    y = np.clip(y, 0.0, 1.0)
    return (y * np.float32(255)).transpose(1, 2, 0).astype(np.uint8)


def jantic_unsquare(model_rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Pillow bilinear resize of the network colours back to the input size."""
    return pillow12_bilinear_resize(model_rgb, width, height)


def yuv_merge_uint8(original_rgb: np.ndarray, colour_rgb: np.ndarray) -> np.ndarray:
    """Y from ``original_rgb``, U/V from ``colour_rgb`` (OpenCV fixed-point BT.601)."""
    colour_yuv = cv2.cvtColor(colour_rgb, cv2.COLOR_RGB2YUV)
    merged = cv2.cvtColor(original_rgb, cv2.COLOR_RGB2YUV)
    merged[:, :, 1:3] = colour_yuv[:, :, 1:3]
    return cv2.cvtColor(merged, cv2.COLOR_YUV2RGB)


def jantic_postprocess(image: np.ndarray, net_output: np.ndarray) -> np.ndarray:
    """Raw (3, S, S) network output + the input image -> final (H, W, 3) RGB uint8."""
    original = as_rgb_uint8(image)
    colour = jantic_unsquare(jantic_model_rgb(net_output), *original.shape[:2])
    return yuv_merge_uint8(original, colour)


# ---------------------------------------------------------------------------- dana-kelley


def _dana_grey(rgb_float: np.ndarray) -> np.ndarray:
    # BGR2GRAY on RGB-ordered data: the weights land on the "wrong" channels, as in 2018.
    return cv2.cvtColor(cv2.cvtColor(rgb_float, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2RGB)


def dana_net_input(image: np.ndarray, render_factor: int = DEFAULT_RENDER_FACTOR) -> np.ndarray:
    """(3, S, S) float32 network input of the dana-kelley path."""
    size = render_size(render_factor)
    original = as_rgb_uint8(image).astype(np.float32) / 255
    square = cv2.resize(original, (size, size), interpolation=cv2.INTER_AREA)
    x = (_dana_grey(square) - np.float32(0.5)) / np.float32(0.5)
    return np.ascontiguousarray(np.rollaxis(x, 2))


def dana_model_rgb_float(net_output: np.ndarray) -> np.ndarray:
    """(3, S', S') tanh output -> (S', S', 3) float32 RGB in about [0, 1]."""
    return np.rollaxis(net_output.astype(np.float32, copy=False), 0, 3) * np.float32(
        0.5
    ) + np.float32(0.5)


def dana_postprocess_float(image: np.ndarray, model_rgb_float: np.ndarray) -> np.ndarray:
    """Float YUV merge: Y of the grey original, U/V of the resized network colours."""
    original = _dana_grey(as_rgb_uint8(image).astype(np.float32) / 255)
    height, width = original.shape[:2]
    colour = cv2.resize(
        np.ascontiguousarray(model_rgb_float), (width, height), interpolation=cv2.INTER_AREA
    )
    colour_yuv = cv2.cvtColor(colour, cv2.COLOR_BGR2YUV)
    merged = cv2.cvtColor(original, cv2.COLOR_BGR2YUV)
    merged[:, :, 1:3] = colour_yuv[:, :, 1:3]
    return cv2.cvtColor(merged, cv2.COLOR_YUV2BGR)


def scipy1_bytescale(data: np.ndarray) -> np.ndarray:
    """scipy<=1.2 ``bytescale`` as used by ``imsave``: global min-max stretch to 0..255."""
    low, high = 0, 255
    cmin, cmax = data.min(), data.max()
    scale_range = cmax - cmin
    if scale_range == 0:
        scale_range = 1
    scale = float(high - low) / scale_range
    scaled = (data - cmin) * scale + low
    return (scaled.clip(low, high) + 0.5).astype(np.uint8)


def dana_postprocess(image: np.ndarray, net_output: np.ndarray) -> np.ndarray:
    """Raw (3, S', S') output + input image -> final (H, W, 3) uint8 as the 2018 code saved it."""
    merged = dana_postprocess_float(image, dana_model_rgb_float(net_output))
    return scipy1_bytescale(np.clip(merged, 0, 1))


# ---------------------------------------------------------------------------- running


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def run_network(model: nn.Module, inputs: np.ndarray, *, fp16: bool = False) -> np.ndarray:
    """(N, 3, S, S) float32 -> raw outputs as float32 numpy, in eval mode without grad."""
    device = model_device(model)
    batch = torch.from_numpy(np.ascontiguousarray(inputs)).to(device)
    model.eval()
    with torch.inference_mode():
        if fp16:
            with torch.autocast(device_type=device.type, dtype=torch.float16):
                out = model(batch)
        else:
            out = model(batch)
    return out.float().cpu().numpy()


def _chunks(count: int, batch_size: int) -> Iterator[range]:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    for start in range(0, count, batch_size):
        yield range(start, min(start + batch_size, count))


def _colourise_batches(
    model: nn.Module,
    images: Sequence[np.ndarray],
    net_input: Callable[[np.ndarray, int], np.ndarray],
    postprocess: Callable[[np.ndarray, np.ndarray], np.ndarray],
    render_factor: int,
    batch_size: int,
    fp16: bool,
) -> list[np.ndarray]:
    results: list[np.ndarray] = []
    for chunk in _chunks(len(images), batch_size):
        x = np.stack([net_input(images[i], render_factor) for i in chunk])
        outputs = run_network(model, x, fp16=fp16)
        results += [postprocess(images[i], out) for i, out in zip(chunk, outputs)]
    return results


#: The two original image paths: network input and postprocessing, by name.
PATHS: dict[
    str,
    tuple[Callable[[np.ndarray, int], np.ndarray], Callable[[np.ndarray, np.ndarray], np.ndarray]],
] = {
    "jantic": (jantic_net_input, jantic_postprocess),
    "dana": (dana_net_input, dana_postprocess),
}


def colourise_batch(
    model: nn.Module,
    images: Sequence[np.ndarray],
    render_factor: int = DEFAULT_RENDER_FACTOR,
    *,
    path: str = "jantic",
    batch_size: int = DEFAULT_BATCH_SIZE,
    fp16: bool = False,
) -> list[np.ndarray]:
    """Many images through the ``path`` ("jantic" or "dana") of the original code,
    ``batch_size`` network inputs at a time: (H,W) or (H,W,3) uint8 -> (H,W,3) RGB uint8."""
    if path not in PATHS:
        raise ValueError(f"unknown DeOldify image path {path!r}; expected one of {sorted(PATHS)}")
    net_input, postprocess = PATHS[path]
    return _colourise_batches(
        model, images, net_input, postprocess, render_factor, batch_size, fp16
    )


def colourise_image(
    model: nn.Module,
    image: np.ndarray,
    render_factor: int = DEFAULT_RENDER_FACTOR,
    *,
    path: str = "jantic",
    fp16: bool = False,
) -> np.ndarray:
    """One image, the original one-at-a-time control flow (a batch of one)."""
    return colourise_batch(model, [image], render_factor, path=path, batch_size=1, fp16=fp16)[0]
