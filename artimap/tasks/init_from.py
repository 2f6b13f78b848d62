"""Fine-tuning: start a new run from the weights of a trained one (`artimap train --init-from`).

    source run's best checkpoint --shape check--> the new task's freshly built model
    source scales, the new data's target mean --> the new task (`keep_normalisation`)
    --freeze GROUP --> requires_grad False on that group's parameters

Normalisation: the new run keeps the source run's input statistics and target scales (the
weights were learnt on those scales: refitted input statistics would shift every feature the
towers or the encoder compute, and an adaptation set of a few utterances gives noisy spreads),
but re-centres the targets on the new data's training mean (phone2face: its mean face;
lip2tongue: its mean target and mean image). A new speaker's face sits millimetres away from
the source speaker's; kept, the source's mean face made the first fine-tuning steps far worse
than training from scratch (4.79 mm after 40 steps against 0.83 mm), while the new mean is
well estimated even from two utterances. The model then starts from the source's deviations
around the new speaker's own mean.

Freezing fixes parameters only: batch-norm running statistics inside a frozen group still follow
the new data in training mode (adaptive batch norm), which suits a new speaker's lips.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from artimap.checkpoint import read_checkpoint
from artimap.errors import ArtimapError


def weight_mismatches(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> list[str]:
    """One line per parameter or buffer of `model` that `weights` lacks or has in another shape,
    and per entry of `weights` the model does not have; empty when they fit."""
    own = model.state_dict()
    lines = [f"{k}: missing from the source" for k in own if k not in weights]
    lines += [f"{k}: not in the new model" for k in weights if k not in own]
    lines += [f"{k}: source {tuple(weights[k].shape)} vs new {tuple(v.shape)}"
              for k, v in own.items() if k in weights and weights[k].shape != v.shape]
    return lines


def freeze(model: torch.nn.Module, group: str, groups: dict[str, tuple[str, ...]]) -> list[str]:
    """requires_grad False on the parameters of `group` (name prefixes in `groups`); returns
    their names. An unknown group, or one this model does not have, is an error."""
    if group not in groups:
        raise ArtimapError(f"--freeze {group}: unknown for this task; valid: "
                           f"{', '.join(sorted(groups)) or 'none'}")
    names = [n for n, p in model.named_parameters() if n.startswith(groups[group])]
    if not names:
        raise ArtimapError(f"--freeze {group}: the model {type(model).__name__} has no such "
                           f"parameters (prefixes {', '.join(groups[group])})")
    for n, p in model.named_parameters():
        if n in names:
            p.requires_grad_(False)
    return names


class InitFromTask:
    """The new run's `artimap.train.Task`, built on the task's own: same datasets and loss; the
    model starts from the source weights (optionally part frozen); the source normalisation is
    kept (module doc). Other members are the wrapped task's."""

    def __init__(self, task: Any, path: Path, freeze_group: str | None = None) -> None:
        """`path`: the source run's best checkpoint (`registry.best_checkpoint`)."""
        self.ckpt, self.path, self.freeze_group = read_checkpoint(path), path, freeze_group
        name = self.ckpt["model"]["name"]
        if name != task.model_name:
            raise ArtimapError(f"--init-from {path}: the source model is {name!r}, this config "
                               f"trains {task.model_name!r}; use the same model")
        task.keep_normalisation(self.ckpt.get("meta", {}), str(path))
        self._task = task
        self.model_name = task.model_name

    def __getattr__(self, name: str) -> Any:  # datasets, loss, collate, batches, meta...
        return getattr(self._task, name)

    def start(self, model: torch.nn.Module) -> None:
        """No warm-up (e.g. lip pretraining): a fine-tuning run starts from trained weights."""

    def build_model(self) -> torch.nn.Module:
        """The wrapped task's model with the source weights (shapes checked) and frozen group."""
        model = self._task.build_model()
        weights = self.ckpt["model"]["state_dict"]
        bad = weight_mismatches(model, weights)
        if bad:
            raise ArtimapError(f"--init-from {self.path}: {len(bad)} weights do not fit the "
                               "model of this config:\n  " + "\n  ".join(bad) +
                               "\nuse the source run's model settings (model_config)")
        model.load_state_dict(weights)
        if self.freeze_group:
            freeze(model, self.freeze_group, self._task.FREEZE_GROUPS)
        return model

    def record(self) -> dict[str, Any]:
        """What config.yaml says about the start (section `init_from`)."""
        return {"run": str(self.path.resolve().parent), "checkpoint": self.path.name,
                "step": int(self.ckpt.get("state", {}).get("step", 0)),
                "freeze": self.freeze_group,
                "normalisation": "source run's scales, this data's target mean"}

