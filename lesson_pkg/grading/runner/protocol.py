"""Plain data between the grader and the sandboxed worker, as JSON lines.

Only numbers, strings, booleans, None, lists, dicts and tensors travel. A tensor is sent
as its dtype, shape and raw bytes (base64), and rebuilt with ``numpy.frombuffer``:
reading a message never runs code, whatever the worker wrote (unlike pickle).
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np
import torch

from lesson_pkg.grading.runner.lines import MAX_LINE_BYTES

TENSOR_KEY = "__tensor__"
FLOAT_KEY = "__float__"
DTYPES = {
    str(dtype).removeprefix("torch."): dtype
    for dtype in (
        torch.float16,
        torch.float32,
        torch.float64,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.uint8,
        torch.bool,
    )
}
MAX_MESSAGE_BYTES = MAX_LINE_BYTES  # one message is one line


class ProtocolError(ValueError):
    """A message that is not plain data in the expected form."""


def encode(value: Any) -> Any:
    """Turn ``value`` into JSON-ready data; raise ``ProtocolError`` for anything else."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        name = str(tensor.dtype).removeprefix("torch.")
        if name not in DTYPES:
            raise ProtocolError(f"tensors of dtype {tensor.dtype} cannot be sent")
        raw = tensor.numpy().tobytes()
        return {
            TENSOR_KEY: {
                "dtype": name,
                "shape": list(tensor.shape),
                "data": base64.b64encode(raw).decode("ascii"),
            }
        }
    if isinstance(value, np.ndarray):
        return encode(torch.from_numpy(value))
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else {FLOAT_KEY: repr(value)}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        if TENSOR_KEY in value or FLOAT_KEY in value:
            raise ProtocolError("dict keys __tensor__ and __float__ are reserved")
        return {key: encode(item) for key, item in value.items()}
    raise ProtocolError(f"a {type(value).__name__} is not plain data (tensor, number, list...)")


def decode(data: Any) -> Any:
    """Rebuild what :func:`encode` made, checking every part of it."""
    if isinstance(data, dict):
        if TENSOR_KEY in data:
            return _decode_tensor(data[TENSOR_KEY])
        if FLOAT_KEY in data:
            text = data[FLOAT_KEY]
            if text not in ("nan", "inf", "-inf"):
                raise ProtocolError(f"bad special float {text!r}")
            return float(text)
        return {str(key): decode(item) for key, item in data.items()}
    if isinstance(data, list):
        return [decode(item) for item in data]
    if isinstance(data, bool | int | float | str) or data is None:
        return data
    raise ProtocolError(f"unexpected {type(data).__name__} in a message")


def _decode_tensor(spec: Any) -> torch.Tensor:
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"}:
        raise ProtocolError("a tensor needs exactly dtype, shape and data")
    dtype = DTYPES.get(spec["dtype"])
    shape = spec["shape"]
    if (
        dtype is None
        or not isinstance(shape, list)
        or not all(isinstance(size, int) and size >= 0 for size in shape)
    ):
        raise ProtocolError(f"bad tensor dtype or shape: {spec['dtype']!r}, {shape!r}")
    raw = base64.b64decode(spec["data"], validate=True)
    numpy_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    if len(raw) != math.prod(shape) * numpy_dtype.itemsize:
        raise ProtocolError("tensor data does not match its shape")
    array = np.frombuffer(raw, dtype=numpy_dtype).reshape(shape)
    return torch.from_numpy(array.copy())


def dumps(message: Any) -> bytes:
    """One message as one line of JSON."""
    return json.dumps(encode(message)).encode() + b"\n"


def loads(line: bytes, limit: int | None = MAX_MESSAGE_BYTES) -> Any:
    """Read back one line written by :func:`dumps`, at most ``limit`` bytes long.

    No limit for what the grader itself wrote: the submission's files, whose 1 MiB each
    can take six times that as JSON (a control character takes six bytes).
    """
    if limit is not None and len(line) > limit:
        raise ProtocolError("message too large")
    try:
        return decode(json.loads(line))
    except (ValueError, RecursionError, MemoryError) as error:  # JSON, UTF-8, nesting
        raise ProtocolError(f"unreadable message: {type(error).__name__}") from None
