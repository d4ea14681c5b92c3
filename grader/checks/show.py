"""Short, faithful descriptions of values for feedback (``show``), used by the judgements and by the
calls into the notebook alike."""
from __future__ import annotations

import math
import sys


def show(value, limit: int = 8) -> str:
    """A short, faithful description of a value for feedback.

    Example: ``show(torch.tensor([1.0, 2.0]))`` is ``"tensor shape (2,) float32 [1, 2]"``."""
    # A value is a tensor (or a student's object) only once torch (the handles) is loaded: looked up, not
    # imported, so that importing grader.checks does not import torch (grader/checks/__init__.py).
    torch = sys.modules.get("torch")
    handles = sys.modules.get("grader.sandbox.handles")
    if torch is not None and isinstance(value, torch.Tensor):
        dtype = str(value.dtype).removeprefix("torch.")
        flat = value.detach().reshape(-1)
        if flat.numel() <= limit:
            shown = ", ".join(_num(v) for v in flat.tolist())
        else:
            shown = ", ".join(_num(v) for v in flat[:limit].tolist()) + f", ... ({flat.numel()} values)"
        shape = "0-dim" if value.dim() == 0 else "shape (" + ", ".join(map(str, value.shape)) + ("," if value.dim() == 1 else "") + ")"
        return f"tensor {shape} {dtype} [{shown}]"
    if handles is not None and isinstance(value, handles.RemoteRef):
        return f"a {value.type} object"
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v)}" for k, v in list(value.items())[:limit]) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v) for v in value[:limit]) + (", ..." if len(value) > limit else "")
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


def _num(v) -> str:
    if isinstance(v, float):
        return repr(v) if math.isnan(v) or math.isinf(v) else f"{v:.6g}"
    return str(v)


def show_call(name: str, *args, **kwargs) -> str:
    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return f"{name}(" + ", ".join(parts) + ")"
