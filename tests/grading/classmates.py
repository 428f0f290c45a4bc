"""A class for the similarity report: independent honest students and planted copies.

Each honest student fills the stubs of ``exercises/`` with bodies written in their own
way (four styles below, written independently of each other and of ``solutions/``).
Planted copies take one honest student's files and copy them verbatim, with every
local variable renamed, or with the functions in another order.
"""

from __future__ import annotations

import ast
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUB_LINE = '    raise NotImplementedError("write this function: see its docstring")\n'

# For each honest style, each function's body (4-space indent added when written).
STYLES: list[dict[str, str]] = [
    {
        "mse_loss": """
diff = input - target
sq = diff * diff
if reduction == "none":
    return sq
return sq.sum() if reduction == "sum" else sq.mean()
""",
        "mae_loss": """
err = torch.abs(input - target)
if reduction == "none":
    return err
return err.sum() if reduction == "sum" else err.mean()
""",
        "binary_cross_entropy": """
first = target * torch.clamp(torch.log(input), min=-100)
second = (1 - target) * torch.clamp(torch.log(1 - input), min=-100)
per_item = -(first + second)
if reduction == "none":
    return per_item
return per_item.sum() if reduction == "sum" else per_item.mean()
""",
        "binary_cross_entropy_with_logits": """
positive_part = torch.clamp(input, min=0)
per_item = positive_part - input * target + torch.log1p(torch.exp(-torch.abs(input)))
if reduction == "none":
    return per_item
return per_item.sum() if reduction == "sum" else per_item.mean()
""",
        "cross_entropy": """
log_softmax = input - torch.logsumexp(input, dim=1, keepdim=True)
mask = target != ignore_index
safe = torch.where(mask, target, torch.zeros_like(target))
picked = log_softmax[torch.arange(len(target)), safe]
per_item = -picked * mask
if reduction == "none":
    return per_item
if reduction == "sum":
    return per_item.sum()
return per_item.sum() / mask.sum()
""",
        "hinge_loss": """
per_item = torch.relu(margin - input * target)
if reduction == "none":
    return per_item
return per_item.sum() if reduction == "sum" else per_item.mean()
""",
        "steps_per_epoch": """
if drop_last:
    return n_samples // batch_size
return -(-n_samples // batch_size)
""",
        "train_one_epoch": """
model.train()
losses, counts = [], []
for x, y in loader:
    optimizer.zero_grad()
    out = model(x)
    batch_loss = loss_fn(out, y)
    batch_loss.backward()
    optimizer.step()
    losses.append(batch_loss.item() * x.shape[0])
    counts.append(x.shape[0])
return sum(losses) / sum(counts)
""",
        "fit": """
history = []
for _ in range(epochs):
    history.append(train_one_epoch(model, train_loader, loss_fn, optimizer))
return history
""",
        "best_epoch": """
order = sorted(range(len(values)), key=lambda i: (values[i] if mode == "min" else -values[i], i))
return order[0] + 1
""",
        "accuracy": """
labels = input.argmax(dim=1) if input.dim() == 2 else input
return (labels == target).float().mean().item()
""",
        "binary_accuracy": """
guesses = (input > threshold).float()
return (guesses == target).float().mean().item()
""",
        "confusion_matrix": """
labels = input.argmax(dim=1) if input.dim() == 2 else input
n = num_classes or int(max(labels.max(), target.max())) + 1
result = torch.zeros(n, n, dtype=torch.int64)
for t, p in zip(target.tolist(), labels.tolist()):
    result[t, p] += 1
return result
""",
    },
    {
        "mse_loss": """
out = torch.pow(input - target, 2)
match reduction:
    case "mean":
        return torch.mean(out)
    case "sum":
        return torch.sum(out)
return out
""",
        "mae_loss": """
out = (target - input).abs()
match reduction:
    case "mean":
        return torch.mean(out)
    case "sum":
        return torch.sum(out)
return out
""",
        "binary_cross_entropy": """
log_yes = input.log().clamp_min(-100.0)
log_no = (1.0 - input).log().clamp_min(-100.0)
out = -target * log_yes - (1.0 - target) * log_no
match reduction:
    case "mean":
        return torch.mean(out)
    case "sum":
        return torch.sum(out)
return out
""",
        "binary_cross_entropy_with_logits": """
out = torch.nn.functional.softplus(input) - target * input
match reduction:
    case "mean":
        return torch.mean(out)
    case "sum":
        return torch.sum(out)
return out
""",
        "cross_entropy": """
keep = (target != ignore_index)
classes = target.clone()
classes[~keep] = 0
lse = torch.logsumexp(input, 1)
chosen = input.gather(1, classes[:, None])[:, 0]
out = (lse - chosen) * keep
match reduction:
    case "mean":
        return torch.sum(out) / torch.sum(keep)
    case "sum":
        return torch.sum(out)
return out
""",
        "hinge_loss": """
out = (margin - target * input).clamp(min=0.0)
match reduction:
    case "mean":
        return torch.mean(out)
    case "sum":
        return torch.sum(out)
return out
""",
        "steps_per_epoch": """
whole, left = divmod(n_samples, batch_size)
if left and not drop_last:
    whole += 1
return whole
""",
        "train_one_epoch": """
model.train()
running, n = 0.0, 0
for batch_x, batch_y in loader:
    prediction = model(batch_x)
    value = loss_fn(prediction, batch_y)
    optimizer.zero_grad()
    value.backward()
    optimizer.step()
    running = running + float(value) * len(batch_x)
    n = n + len(batch_x)
return running / n
""",
        "fit": """
out = []
epoch = 0
while epoch < epochs:
    out.append(train_one_epoch(model, train_loader, loss_fn, optimizer))
    epoch += 1
return out
""",
        "best_epoch": """
pick = min if mode == "min" else max
return values.index(pick(values)) + 1
""",
        "accuracy": """
if input.ndim > 1:
    input = torch.argmax(input, 1)
hits = torch.sum(input == target).item()
return hits / target.numel()
""",
        "binary_accuracy": """
hits = ((input > threshold) == target.bool()).sum().item()
return hits / target.numel()
""",
        "confusion_matrix": """
if input.ndim > 1:
    input = torch.argmax(input, 1)
if num_classes is None:
    num_classes = int(torch.max(torch.stack([input.max(), target.max()]))) + 1
flat = torch.bincount(target * num_classes + input, minlength=num_classes * num_classes)
return flat.reshape(num_classes, num_classes)
""",
    },
    {
        "mse_loss": """
if reduction not in ("mean", "sum", "none"):
    raise ValueError(reduction)
squares = (target - input) ** 2
totals = {"mean": squares.mean, "sum": squares.sum}
return totals[reduction]() if reduction in totals else squares
""",
        "mae_loss": """
if reduction not in ("mean", "sum", "none"):
    raise ValueError(reduction)
gaps = torch.maximum(input - target, target - input)
totals = {"mean": gaps.mean, "sum": gaps.sum}
return totals[reduction]() if reduction in totals else gaps
""",
        "binary_cross_entropy": """
if reduction not in ("mean", "sum", "none"):
    raise ValueError(reduction)
a = torch.maximum(torch.log(input), torch.tensor(-100.0))
b = torch.maximum(torch.log1p(-input), torch.tensor(-100.0))
costs = -(target * a + (1 - target) * b)
totals = {"mean": costs.mean, "sum": costs.sum}
return totals[reduction]() if reduction in totals else costs
""",
        "binary_cross_entropy_with_logits": """
if reduction not in ("mean", "sum", "none"):
    raise ValueError(reduction)
costs = torch.logaddexp(torch.zeros_like(input), -input) + (1 - target) * input
totals = {"mean": costs.mean, "sum": costs.sum}
return totals[reduction]() if reduction in totals else costs
""",
        "cross_entropy": """
if reduction not in ("mean", "sum", "none"):
    raise ValueError(reduction)
valid = target.ne(ignore_index)
fixed = target.masked_fill(~valid, 0)
logp = torch.log_softmax(input, dim=-1)
costs = -torch.take_along_dim(logp, fixed.unsqueeze(-1), dim=-1).squeeze(-1)
costs = costs.masked_fill(~valid, 0.0)
if reduction == "mean":
    return costs.sum() / valid.sum()
return costs.sum() if reduction == "sum" else costs
""",
        "hinge_loss": """
if reduction not in ("mean", "sum", "none"):
    raise ValueError(reduction)
costs = torch.maximum(margin - target * input, torch.zeros_like(input))
totals = {"mean": costs.mean, "sum": costs.sum}
return totals[reduction]() if reduction in totals else costs
""",
        "steps_per_epoch": """
count = n_samples / batch_size
return int(count) if drop_last else math.ceil(count)
""",
        "train_one_epoch": """
model.train()
weighted = 0.0
samples = 0
for step, (features, labels) in enumerate(loader):
    for parameter in model.parameters():
        parameter.grad = None
    cost = loss_fn(model(features), labels)
    cost.backward()
    optimizer.step()
    weighted += cost.detach().item() * features.size(0)
    samples += features.size(0)
return weighted / samples
""",
        "fit": """
return list(map(lambda _: train_one_epoch(model, train_loader, loss_fn, optimizer), range(epochs)))
""",
        "best_epoch": """
winner = 0
for i in range(1, len(values)):
    lower, higher = values[i] < values[winner], values[i] > values[winner]
    if (mode == "min" and lower) or (mode == "max" and higher):
        winner = i
return winner + 1
""",
        "accuracy": """
guesses = input if input.ndim == 1 else input.max(dim=-1).indices
return float(guesses.eq(target).sum()) / len(target)
""",
        "binary_accuracy": """
return float(((input > threshold).long() == target.long()).sum()) / len(target)
""",
        "confusion_matrix": """
guesses = input if input.ndim == 1 else input.max(dim=-1).indices
size = num_classes if num_classes is not None else 1 + max(int(guesses.max()), int(target.max()))
grid = torch.zeros((size, size), dtype=torch.long)
grid.index_put_((target, guesses), torch.ones_like(target), accumulate=True)
return grid
""",
    },
    {
        "mse_loss": """
values = [(a - b) ** 2 for a, b in zip(input.flatten(), target.flatten())]
stacked = torch.stack(values).reshape(input.shape) if values else (input - target) ** 2
if reduction == "sum":
    return stacked.sum()
if reduction == "mean":
    return stacked.sum() / stacked.numel()
return stacked
""",
        "mae_loss": """
d = input - target
magnitude = torch.where(d < 0, -d, d)
if reduction == "sum":
    return magnitude.sum()
if reduction == "mean":
    return magnitude.sum() / magnitude.numel()
return magnitude
""",
        "binary_cross_entropy": """
lp = torch.log(input).clamp(-100, None)
lq = torch.log(1 - input).clamp(-100, None)
per = -torch.lerp(lq, lp, target)
if reduction == "sum":
    return per.sum()
if reduction == "mean":
    return per.sum() / per.numel()
return per
""",
        "binary_cross_entropy_with_logits": """
neg_abs = -input.abs()
per = input.clamp(min=0) - input * target + neg_abs.exp().log1p()
if reduction == "sum":
    return per.sum()
if reduction == "mean":
    return per.sum() / per.numel()
return per
""",
        "cross_entropy": """
rows = []
for logits, label in zip(input, target):
    if int(label) == ignore_index:
        rows.append(torch.zeros((), dtype=input.dtype))
    else:
        rows.append(torch.logsumexp(logits, 0) - logits[int(label)])
per = torch.stack(rows)
used = (target != ignore_index).sum()
if reduction == "sum":
    return per.sum()
if reduction == "mean":
    return per.sum() / used
return per
""",
        "hinge_loss": """
per = torch.where(target * input < margin, margin - target * input, torch.zeros_like(input))
if reduction == "sum":
    return per.sum()
if reduction == "mean":
    return per.sum() / per.numel()
return per
""",
        "steps_per_epoch": """
steps = 0
remaining = n_samples
while remaining >= batch_size:
    remaining -= batch_size
    steps += 1
return steps + (1 if remaining and not drop_last else 0)
""",
        "train_one_epoch": """
model.train()
total = torch.tensor(0.0)
size = 0
for pair in loader:
    xb, yb = pair
    optimizer.zero_grad()
    l = loss_fn(model(xb), yb)
    l.backward()
    optimizer.step()
    total += l.detach() * len(yb)
    size += len(yb)
return (total / size).item()
""",
        "fit": """
per_epoch = [0.0] * epochs
for e in range(epochs):
    per_epoch[e] = train_one_epoch(model, train_loader, loss_fn, optimizer)
return per_epoch
""",
        "best_epoch": """
sign = 1 if mode == "min" else -1
scores = [sign * v for v in values]
return scores.index(min(scores)) + 1
""",
        "accuracy": """
pred = input
if pred.dim() == 2:
    pred = pred.argmax(-1)
right = 0
for p, t in zip(pred, target):
    right += int(p == t)
return right / len(target)
""",
        "binary_accuracy": """
right = 0
for p, t in zip(input.tolist(), target.tolist()):
    right += int((p > threshold) == bool(t))
return right / len(target)
""",
        "confusion_matrix": """
pred = input
if pred.dim() == 2:
    pred = pred.argmax(-1)
k = num_classes if num_classes else int(torch.cat([pred, target]).max().item()) + 1
table = [[0] * k for _ in range(k)]
for p, t in zip(pred.tolist(), target.tolist()):
    table[t][p] += 1
return torch.tensor(table)
""",
    },
]


def _fill(stub: str, bodies: dict[str, str]) -> str:
    """The stub with each function's ``raise NotImplementedError`` replaced by its body."""
    tree = ast.parse(stub)
    lines = stub.splitlines(keepends=True)
    for node in reversed([n for n in tree.body if isinstance(n, ast.FunctionDef)]):
        last = node.body[-1]
        index = last.lineno - 1
        if lines[index] == STUB_LINE and node.name in bodies:
            body = "".join(f"    {line}\n" for line in bodies[node.name].strip().splitlines())
            lines[index] = body
    return "".join(lines)


def write_honest(folder: Path, style: dict[str, str]) -> Path:
    """One honest student: the stubs filled in ``style``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "exercises").glob("ex*.py")):
        (folder / path.name).write_text(_fill(path.read_text(), style))
    return folder


def rename_variables(source: str, seed: int = 0) -> str:
    """``source`` with each assigned local name (and loop variable) renamed."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    generator = random.Random(seed)
    for name in sorted(names, key=len, reverse=True):
        fresh = f"{name[:1]}{generator.choice('qxzjkw')}{generator.randrange(10, 99)}_v"
        source = re.sub(rf"\b{re.escape(name)}\b", fresh, source)
    return source


def reorder_functions(source: str) -> str:
    """``source`` with its top-level functions in the reverse order."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    if len(functions) < 2:
        return source
    start = functions[0].lineno - 1
    chunks = ["".join(lines[f.lineno - 1 : f.end_lineno]) for f in functions]
    head = "".join(lines[:start])
    tail = "".join(lines[functions[-1].end_lineno :])
    return head + "\n\n".join(reversed(chunks)) + tail


def plant_copy(original: Path, folder: Path, how: str, seed: int = 0) -> Path:
    """A copy of ``original``'s files: ``verbatim``, ``renamed`` or ``reordered``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(original.glob("ex*.py")):
        source = path.read_text()
        if how == "renamed":
            source = rename_variables(source, seed)
        elif how == "reordered":
            source = reorder_functions(source)
        (folder / path.name).write_text(source)
    return folder


def write_class(folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Honest students (each style, the alternative fixture, the stubs, the solutions)
    and planted copies; return the honest folders and the (copy, original) pairs."""
    honest = []
    for index, style in enumerate(STYLES):
        write_honest(folder / f"honest{index}", style)
        honest.append(f"honest{index}")
    shutil.copytree(ROOT / "tests" / "grader_fixtures" / "alternative", folder / "alternative")
    shutil.copytree(ROOT / "exercises", folder / "untouched-stubs")
    shutil.copytree(ROOT / "solutions", folder / "solution-copier")
    honest += ["alternative", "untouched-stubs", "solution-copier"]
    planted = []
    for index, how in enumerate(("verbatim", "renamed", "reordered")):
        original = f"honest{index}"
        plant_copy(folder / original, folder / f"copy-{how}", how, seed=index)
        planted.append((f"copy-{how}", original))
    return honest, planted
