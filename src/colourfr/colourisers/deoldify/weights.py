"""Loading DeOldify checkpoints safely and checking them against the network.

``torch.load`` runs with ``weights_only=True``: only tensors and plain containers are
unpickled, never arbitrary objects. ``slice`` is additionally allow-listed because the
2019 legacy-format files have been reported to reference it (it is an inert builtin).

Accepted layouts: a bare ``state_dict`` (how every published DeOldify generator was
saved) or fastai's ``{'model': state_dict, 'opt': ...}`` wrapper, of which only the model
part is used. Anything else, and any missing/unexpected key or shape mismatch, raises
:class:`~colourfr.errors.AssetError` naming the file, before the network is touched.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from colourfr.errors import AssetError

_SHOWN = 5


def read_checkpoint(path: str | os.PathLike[str], label: str) -> dict[str, torch.Tensor]:
    """The state_dict stored in ``path`` (bare or ``{'model', 'opt'}``-wrapped)."""
    path = Path(path)
    if not path.is_file():
        raise AssetError(f"{label}: weights file not found: {path}")
    if path.stat().st_size == 0:
        raise AssetError(f"{label}: weights file {path} is empty")
    try:
        with torch.serialization.safe_globals([slice]):
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (
        pickle.UnpicklingError,
        RuntimeError,
        EOFError,
        ValueError,
        OSError,
        AttributeError,
        TypeError,
    ) as exc:
        raise AssetError(
            f"{label}: {path} is not a loadable PyTorch checkpoint (truncated, corrupt, or "
            f"not a plain state_dict): {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        ) from exc
    if isinstance(loaded, Mapping) and set(loaded.keys()) == {"model", "opt"}:
        loaded = loaded["model"]
    if not isinstance(loaded, Mapping) or not loaded:
        raise AssetError(
            f"{label}: {path} holds a {type(loaded).__name__}, not a state_dict "
            "(a mapping from parameter names to tensors)"
        )
    bad = [str(k) for k, v in loaded.items() if not isinstance(k, str) or not torch.is_tensor(v)]
    if bad:
        raise AssetError(f"{label}: {path} has non-tensor entries, e.g. {bad[:_SHOWN]}")
    return dict(loaded)


def check_state_dict(
    state: Mapping[str, torch.Tensor], model: nn.Module, path: str | os.PathLike[str], label: str
) -> None:
    """Raise AssetError unless ``state`` has exactly the model's keys and shapes."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    problems: list[str] = []
    if missing:
        problems.append(f"{len(missing)} missing keys, e.g. {missing[:_SHOWN]}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys, e.g. {unexpected[:_SHOWN]}")
    shapes = [
        f"{k}: file {list(state[k].shape)} vs network {list(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if shapes:
        problems.append(f"{len(shapes)} shape mismatches, e.g. {shapes[:_SHOWN]}")
    if problems:
        raise AssetError(
            f"{label}: {path} does not fit this generator ({'; '.join(problems)}); is it the "
            "right checkpoint for this colouriser?"
        )


def load_weights(
    model: nn.Module, path: str | os.PathLike[str], label: str, *, assign: bool = False
) -> nn.Module:
    """Read, check and load ``path`` into ``model`` (strict); returns the model in eval mode.

    ``assign=True`` makes the module use the checkpoint's tensors instead of copying into
    its own; with a model built on the meta device this avoids a second copy in memory.
    """
    state = read_checkpoint(path, label)
    check_state_dict(state, model, path, label)
    model.load_state_dict(state, strict=True, assign=assign)
    return model.eval()
