"""Correct, but not written like the reference."""


def steps_per_epoch(n_samples, batch_size, drop_last=False):
    full, rest = divmod(n_samples, batch_size)
    return full if drop_last or rest == 0 else full + 1


def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    weighted_sum, seen = 0.0, 0
    for batch in loader:
        inputs, targets = batch[0], batch[1]
        optimizer.zero_grad(set_to_none=True)
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()
        size = inputs.shape[0]
        weighted_sum += float(loss.detach()) * size
        seen += size
    return weighted_sum / seen


def fit(model, train_loader, loss_fn, optimizer, epochs):
    history = []
    epoch = 0
    while epoch < epochs:
        history.append(train_one_epoch(model, train_loader, loss_fn, optimizer))
        epoch += 1
    return history


def best_epoch(values, mode="min"):
    best_index = 0
    for index, value in enumerate(values):
        better = value < values[best_index] if mode == "min" else value > values[best_index]
        if better:
            best_index = index
    return best_index + 1
