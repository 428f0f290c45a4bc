"""ex04 written another way: explicit loops, NaN tested by x != x, a running best."""


def diverged(losses, factor=10.0):
    limit = factor * losses[0]
    for loss in losses:
        if loss != loss or loss in (float("inf"), float("-inf")) or loss > limit:
            return True
    return False


def overfitting_from(train_losses, val_losses, patience=3):
    rises = 0
    for epoch in range(1, len(val_losses)):
        rises = rises + 1 if val_losses[epoch] > val_losses[epoch - 1] else 0
        start = epoch - patience
        if rises >= patience and train_losses[epoch] < train_losses[start]:
            return start + 1
    return None


def plateaued(losses, window=5, tolerance=0.01):
    split = len(losses) - window
    if split < 1:
        return False
    best_before = sorted(losses[:split])[0]
    best_recent = sorted(losses[split:])[0]
    return not best_recent < best_before * (1 - tolerance)
