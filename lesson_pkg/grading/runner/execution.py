"""Running one exercise function on given inputs, and reporting only plain data.

Used inside the sandboxed worker (for grading) and in the learner's own kernel (for
``lesson_pkg.checks``). This module imports no reference implementation: nothing here
can hand a submission the answer. Only exact plain types come out: a tensor subclass or
an object that claims to equal anything is refused, not compared.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from lesson_pkg.grading.runner.outcome import CallRequest, ErrorKind

# One message wherever a built-in is refused: the grader refuses every exercise's
# built-ins in every function (a worker's block is for good, for all of them)
FORBIDDEN_CALL_MESSAGE = (
    "{name} is one of the built-ins the exercises ask you to write; the grader refuses it "
    "in every function: implement it yourself"
)


# The dispatch keys whose kernels only pass the call on (after recording it for autograd,
# casting, tracing...): every other key with a kernel for an operator computes its value
# (a backend, a composite kernel serving every backend, vmap's decomposition...)
PASSING_KEYS = (
    "Autograd",
    "Autocast",
    "Tracer",
    "ADInplaceOrView",
    "Functionalize",
    "Python",
    "PreDispatch",
    "FuncTorchDynamicLayer",
    "FuncTorchVmapMode",
    "Named",
    "Conjugate",
    "Negative",
    "ZeroTensor",
    "BackendSelect",
)


def _owners() -> tuple[Any, ...]:
    # torch._C._VariableFunctions is read-only: the dispatcher-level block covers it
    return (F, torch, torch._C._nn, torch.ops.aten)


class ForbiddenCall(RuntimeError):
    """A submission called the built-in it is meant to implement."""


def _blocker(name: str) -> Callable[..., Any]:
    def blocked(*args: Any, **kwargs: Any) -> Any:
        raise ForbiddenCall(FORBIDDEN_CALL_MESSAGE.format(name=name))

    return blocked


class _DispatchBlocker(TorchDispatchMode):
    """Refuses the forbidden aten operators, however they were reached."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        self.names = frozenset(names)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        if name in self.names:
            raise ForbiddenCall(FORBIDDEN_CALL_MESSAGE.format(name=f"torch.ops.aten.{name}"))
        return func(*args, **(kwargs or {}))


@functools.cache
def kernels(name: str) -> tuple[tuple[str, str], ...]:
    """Each (overload, dispatch key) of ``aten::name`` that has a kernel computing values.

    Read from the dispatcher's table (``torch._C._dispatch_dump``): one line per key with a
    kernel, ``Key: registered at ...`` or ``Key[alias]: ...`` for a key standing for many.
    """
    overloads = [
        f"{name}.{schema.overload_name}" if schema.overload_name else name
        for schema in torch._C._jit_get_schemas_for_operator(f"aten::{name}")
    ]
    return tuple(
        (overload, key)
        for overload in overloads
        for key in _keys_with_kernels(overload)
        if not key.startswith(PASSING_KEYS)
    )


def _keys_with_kernels(overload: str) -> list[str]:
    lines = torch._C._dispatch_dump(f"aten::{overload}").splitlines()
    keys = [line.split(":")[0].removesuffix("[alias]") for line in lines if ": registered" in line]
    return [key for key in keys if key in torch._C.DispatchKey.__members__]


def block_for_good(names: tuple[str, ...]) -> None:
    """From now on, the dispatcher refuses the built-ins ``names`` in this process, for good.

    For the worker, before any submission code runs: a block that is lifted between calls
    leaves a window in which a thread of the submission's saves torch's own kernel
    (``torch.library.get_kernel``) to call later, and a block whose handle this process
    keeps can be found (``gc``) and lifted. This one is registered through a handle that
    nothing refers to (it is never released), so no Python object leads to it.
    """
    handle = torch._C._dispatch_library("IMPL", "aten", "", __file__, 0)
    with warnings.catch_warnings():  # "Overriding a previously registered kernel"
        warnings.simplefilter("ignore")
        for name in names:
            for overload, key in kernels(name):
                handle.impl(overload, key, _blocker(f"torch.ops.aten.{name}"))
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(handle))
    _refuse_python_twins(names)


# torch's own versions of operators written in Python (for tracing and compiling): they
# compute the loss from other operators, which the dispatcher cannot tell from yours
PYTHON_TWINS = ("torch._refs", "torch._refs.nn.functional", "torch._decomp.decompositions")


def _twin_refused(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("torch's Python version of a built-in an exercise asks you to write")


def _refuse_python_twins(names: tuple[str, ...]) -> None:
    """Each Python twin of ``names`` (and of ``_name``) raises, however it is reached.

    The innermost function, under its decorators, gets the code of
    :func:`_twin_refused`: every wrapper, table entry or saved reference leads to it. A
    built-in that is Python only (no aten operator, as ``F.multilabel_soft_margin_loss``)
    is refused so in ``torch.nn.functional`` too.
    """
    twins = [*(f"_{name}" for name in names), *names]
    places = [(importlib.import_module(module), twins) for module in PYTHON_TWINS]
    places.append((F, [name for name in names if not kernels(name)]))
    for module, candidates in places:
        for name in candidates:
            function: Any = getattr(module, name, None)
            while hasattr(function, "__wrapped__"):
                function = function.__wrapped__
            if isinstance(function, types.FunctionType) and not function.__code__.co_freevars:
                function.__code__ = _twin_refused.__code__


@contextlib.contextmanager
def _kernels_blocked(names: tuple[str, ...]) -> Iterator[None]:
    """While inside, the dispatcher runs a kernel raising ForbiddenCall for each of ``names``.

    Registered over torch's own kernels for the whole process, in every thread and in a
    forked child, whatever mode is on the current thread's stack; on exit the
    registrations go, and torch's kernels are back.
    """
    library = torch.library.Library("aten", "IMPL")
    try:
        with warnings.catch_warnings():  # "Overriding a previously registered kernel"
            warnings.simplefilter("ignore")
            for name in names:
                for overload, key in kernels(name):
                    library.impl(overload, _blocker(f"torch.ops.aten.{name}"), key)
        yield
    finally:
        library._destroy()


@contextlib.contextmanager
def builtins_blocked(names: tuple[str, ...]) -> Iterator[None]:
    """While inside, the torch built-ins ``names`` raise ForbiddenCall wherever called.

    Each name is blocked wherever torch exposes it (the functional API, torch, the C
    bindings, torch.ops.aten) and at the dispatcher, in three layers: the attributes are
    swapped, so that a reference saved at import is a stand-in; a kernel raising
    ForbiddenCall replaces torch's for every thread of the process (a TorchDispatchMode
    holds for its own thread only, and can be switched off); and that mode too.

    The first TorchDispatchMode a process enters imports ``torch._dynamo`` (1-2 s), and
    that import reads ``torch.ops.aten.nll_loss_forward.default`` and its kin: it is done
    here first, or it would fail on the stand-ins of blocked names that lack ``.default``.
    """
    if names:
        import torch._dynamo  # noqa: F401
    saved = [
        (owner, name, getattr(owner, name))
        for owner in _owners()
        for name in names
        if hasattr(owner, name)
    ]
    try:
        for owner, name, _ in saved:
            setattr(owner, name, _blocker(f"{getattr(owner, '__name__', 'torch')}.{name}"))
        if names:
            with _kernels_blocked(names), _DispatchBlocker(names):
                yield
        else:
            yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def call_function(function: Callable[..., Any], request: CallRequest) -> dict[str, Any]:
    """Call ``function`` as ``request`` asks and describe what happened in plain data.

    The tensors in ``request.args`` listed in ``grad_args`` require gradients; when a
    cotangent is given, the result is back-propagated with it and the gradients are
    returned (None when the result's shape is not the cotangent's: the value comparison
    explains why). The built-ins ``request.forbidden`` names raise meanwhile, until the
    results are copied: a thread of the submission's cannot write the built-in's answer
    into them once the block is gone. The arguments after the call are returned too, to
    check that nothing was mutated.
    """
    inputs = _plain(request.args)
    for index in request.grad_args:
        inputs[index].requires_grad_(True)
    with builtins_blocked(request.forbidden):
        result = function(*inputs, **request.kwargs)
        grads = (
            _gradients(result, inputs, request.grad_args, request.cotangent)
            if request.grad_args
            else []
        )
        return {
            "value": _plain(result),
            "grads": grads,
            "args_after": _plain(inputs),
        }


def _gradients(
    result: Any, inputs: list[Any], grad_args: list[int], cotangent: torch.Tensor | None
) -> list[Any] | None:
    if type(result) is torch.Tensor and cotangent is not None and result.shape != cotangent.shape:
        return None
    if type(result) is not torch.Tensor or result.grad_fn is None:
        raise NotDifferentiable(
            "your result is not differentiable (it has no grad_fn): build it from tensor "
            "operations, without .item(), .detach(), .numpy() or Python floats"
        )
    result.backward(cotangent if cotangent is not None else torch.ones_like(result))
    return [_plain(inputs[index].grad) for index in grad_args]


class NotDifferentiable(TypeError):
    """A loss whose result autograd cannot differentiate."""


class NotPlain(TypeError):
    """A result that is not plain data: a tensor subclass, an object, a dict..."""


PLAIN_SCALARS = (bool, int, float, str, type(None))
# numpy's own scalar types, read as the Python number they hold: ``np.argmin(v) + 1`` is
# a right epoch. Exact types only, as for the plain ones (a subclass could lie).
NUMPY_SCALARS: dict[type, type] = {
    np.bool_: bool,
    **dict.fromkeys((np.int8, np.int16, np.int32, np.int64, np.longlong), int),
    **dict.fromkeys((np.uint8, np.uint16, np.uint32, np.uint64, np.ulonglong), int),
    **dict.fromkeys((np.float16, np.float32, np.float64, np.longdouble), float),
}


def _plain(value: Any) -> Any:
    """A detached copy of ``value`` built from exact plain types, or :class:`NotPlain`.

    ``type(...) is`` rather than ``isinstance``: a subclass of ``torch.Tensor`` or of
    ``float`` can override ``==`` and ``allclose``, so it never reaches a comparison.
    """
    if type(value) is torch.Tensor:
        return value.detach().clone()
    if type(value) in PLAIN_SCALARS:
        return value
    if type(value) in NUMPY_SCALARS:
        return NUMPY_SCALARS[type(value)](value)
    if type(value) in (list, tuple):
        return [_plain(item) for item in value]
    raise NotPlain(
        f"your function returned a {type(value).__module__}.{type(value).__qualname__}, "
        "expected a plain torch.Tensor, a Python number (bool, int or float) or a list of them"
    )


# --- Training scenarios: the same model, data and optimizer on both sides -------------


class _MSELoss(torch.nn.MSELoss):
    """``nn.MSELoss()`` from tensor operations: the worker has no ``mse_loss`` kernel."""

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return ((input - target) ** 2).mean()


class _CrossEntropyLoss(torch.nn.CrossEntropyLoss):
    """``nn.CrossEntropyLoss()`` for class indices, from tensor operations (no ``nll_loss``)."""

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return -input.log_softmax(dim=1).gather(1, target[:, None]).mean()


def build_scenario(
    spec: dict[str, Any],
) -> tuple[torch.nn.Module, Any, Callable, torch.optim.Optimizer]:
    """A small seeded training problem from a plain description.

    ``spec``: ``seed``, ``n_samples``, ``batch_size``, ``lr``, ``task`` ("regression" or
    "classification") and ``optimizer`` ("sgd" or "adam"); optionally ``momentum`` (SGD's),
    ``dropout`` (a dropout layer's probability) and ``start_in_eval`` (the model is handed
    over in evaluation mode, as ``evaluate`` leaves it). The grader builds the same
    scenario for the reference and for the submission, so their results can be compared
    exactly. Its loss is ``nn.MSELoss`` or ``nn.CrossEntropyLoss`` computed from tensor
    operations: the worker has no kernel of the built-in losses.
    """
    generator = torch.Generator().manual_seed(spec["seed"])
    n_samples, n_features = spec["n_samples"], 3
    features = torch.randn(n_samples, n_features, generator=generator)
    if spec["task"] == "regression":
        targets = features @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.1 * torch.randn(
            n_samples, 1, generator=generator
        )
        outputs, loss_fn = 1, cast(Callable, _MSELoss())
    else:
        targets = (features[:, 0] + features[:, 1] > 0).long() + (features[:, 2] > 1).long()
        outputs, loss_fn = 3, cast(Callable, _CrossEntropyLoss())
    torch.manual_seed(spec["seed"])
    layers = [torch.nn.Linear(n_features, 8), torch.nn.Tanh()]
    if spec.get("dropout"):
        layers.append(torch.nn.Dropout(spec["dropout"]))
    model = torch.nn.Sequential(*layers, torch.nn.Linear(8, outputs))
    if spec.get("start_in_eval"):
        model.eval()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(features, targets),
        batch_size=spec["batch_size"],
        shuffle=True,
        generator=torch.Generator().manual_seed(spec["seed"] + 1),
    )
    optimizer: torch.optim.Optimizer
    if spec["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    else:
        optimizer = torch.optim.SGD(
            model.parameters(), lr=spec["lr"], momentum=spec.get("momentum", 0.0)
        )
    return model, loader, loss_fn, optimizer


def run_scenario(function: Callable[..., Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Call a training function on a fresh scenario; return its result and final weights.

    ``spec["epochs"]``, when present, is passed as the fifth argument (for ``fit``).
    """
    model, loader, loss_fn, optimizer = build_scenario(spec)
    extra = [spec["epochs"]] if "epochs" in spec else []
    result = function(model, loader, loss_fn, optimizer, *extra)
    return {
        "value": _plain(result),
        "weights": [parameter.detach().clone() for parameter in model.parameters()],
    }


ERROR_KINDS: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (ForbiddenCall, ErrorKind.FORBIDDEN),
    (NotImplementedError, ErrorKind.NOT_IMPLEMENTED),
    (NotDifferentiable, ErrorKind.NOT_DIFFERENTIABLE),
    (NotPlain, ErrorKind.NOT_PLAIN),
    (MemoryError, ErrorKind.MEMORY),
)


UNLOADABLE = "failed to map segment from shared object"  # the loader, under the filter
UNLOADABLE_MESSAGE = (
    "ImportError: a C extension module could not load. The grader loads them before your "
    "code runs, only those your files name in an `import` statement (or in "
    '`importlib.import_module("name")`): import it that way'
)


def _unloadable(error: BaseException | None) -> bool:
    """Whether ``error``, or one that led to it, is a C extension refused by the filter."""
    for _ in range(10):
        if error is None:
            return False
        if isinstance(error, ImportError) and UNLOADABLE in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def describe_error(error: BaseException) -> tuple[ErrorKind, str]:
    """An exception as plain data: its kind for the grader, and a one-line message."""
    if _unloadable(error):
        return ErrorKind.EXCEPTION, UNLOADABLE_MESSAGE
    kind = next((kind for type_, kind in ERROR_KINDS if isinstance(error, type_)), None)
    if kind in (ErrorKind.NOT_DIFFERENTIABLE, ErrorKind.NOT_PLAIN, ErrorKind.FORBIDDEN):
        return kind, str(error)[:500]
    message = f"{type(error).__name__}: {error}".strip()
    return kind or ErrorKind.EXCEPTION, message[:500]
