"""Interactive explorers for the notebooks (ipywidgets), with a static picture as fallback.

Each explorer is displayed as one output carrying two forms: the live widget, which
JupyterLab, Notebook and VS Code render, and a PNG of the same chart, which static views
(a code host, nbviewer, HTML export) show instead.
"""

from __future__ import annotations

import base64
import contextlib
import io

import torch
from matplotlib.figure import Figure

from lesson_pkg import data, plots, training
from lesson_pkg.history import History

STATIC_LEARNING_RATES = (0.003, 0.1, 1.5)


def _line_run(learning_rate: float, epochs: int, seed: int = 0) -> History:
    """A straight line fitted by plain SGD on MSE at ``learning_rate``.

    Above about 0.75 the steps overshoot further each time and the loss diverges.
    """
    features, targets = data.make_regression(200, seed=seed)
    loader = data.make_loader(features, targets, batch_size=20, seed=seed)
    torch.manual_seed(seed)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    with contextlib.redirect_stdout(io.StringIO()):  # a diverged run says so; the plot shows it
        return training.fit(
            model,
            loader,
            torch.nn.functional.mse_loss,
            optimizer,
            epochs,
            progress=False,
            device="cpu",
        )


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def _runs_figure(runs: dict[str, History]) -> Figure:
    figure = Figure(figsize=(7.5, 3.5), layout="constrained")
    ax = plots.plot_runs(runs, "train_loss", ax=figure.add_subplot(), log_scale=True)
    ax.set_title("training loss per epoch (log scale)")
    return figure


def learning_rate_explorer(
    epochs: int = 20,
    static_rates: tuple[float, ...] = STATIC_LEARNING_RATES,
    static_title: str | None = None,
    static_shade_from: int | None = None,
) -> None:
    """Sliders for the learning rate and the number of epochs, redrawing the loss curve.

    Static views show instead one panel per rate of ``static_rates`` (by default too
    small, right and too large), each on its own scale, under ``static_title`` (the
    point those panels make), with the epochs from ``static_shade_from`` on shaded.
    """
    import ipywidgets as widgets
    from IPython.display import display

    rate = widgets.FloatLogSlider(
        value=0.3,
        base=10,
        min=-3,
        max=1,
        step=0.25,
        description="learning rate",
        continuous_update=False,
    )
    length = widgets.IntSlider(
        value=epochs, min=1, max=60, description="epochs", continuous_update=False
    )
    picture = widgets.Image(format="png", layout=widgets.Layout(width="480px"))

    def redraw(*_: object) -> None:
        figure = _runs_figure({f"lr = {rate.value:.3g}": _line_run(rate.value, length.value)})
        picture.value = _png(figure)

    rate.observe(redraw, "value")
    length.observe(redraw, "value")
    redraw()
    explorer = widgets.VBox([rate, length, picture])
    static = Figure(figsize=(3.2 * len(static_rates), 3.4), layout="constrained")
    plots.plot_learning_rate_regimes(
        {f"lr = {lr:g}": _line_run(lr, epochs) for lr in static_rates},
        figure=static,
        title=static_title,
        shade_from=static_shade_from,
    )
    display(
        {
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2,
                "version_minor": 0,
                "model_id": explorer.model_id,
            },
            "image/png": base64.b64encode(_png(static)).decode("ascii"),
            "text/plain": "learning-rate explorer (sliders; static view: lr = "
            + ", ".join(f"{lr:g}" for lr in static_rates)
            + ")",
        },
        metadata={"image/png": {"alt": plots.alt_text(static)}},
        raw=True,
    )
