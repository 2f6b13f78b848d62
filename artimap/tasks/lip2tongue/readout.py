"""Ridge readout (`readout: ridge`): after training, the output layer of the best checkpoint is
refitted in closed form.

The network's last FC layer gives a K-unit code per clip; ridge regression from the codes of the
training clips (every REF_STRIDE-th) to their standardised targets, with the penalty of best
speckle-free R^2 on validation clips (the evaluation's blur), replaces the output layer's weight
and bias. Gradient descent on a few dozen utterances leaves the last layer noisy (its error is
mostly speckle no lip movement predicts); the closed form is the regularised least-squares
answer for the features the network learnt. With a lip term (`lip_quadratic`, the quadratic
expansion of the frame tower's lip estimates: models/lip_quadratic.py), three feature sets are
fitted, the code, the lip term, and both, and the one of best validation R^2 is kept. best.pt
keeps the refitted layers, and meta["readout"] records the choice, the penalty and the
validation scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset

from artimap.checkpoint import read_checkpoint, save_checkpoint
from artimap.data.lip2tongue import Lip2TongueDataset
from artimap.models import build_model
from artimap.models.ridge import ridge_select
from artimap.tasks.lip2tongue.metrics import blur
from artimap.tasks.lip2tongue.ridge_refs import REF_MAX_VAL, REF_STRIDE


def _codes(model, norm, ds, index: np.ndarray, batch_size: int = 128
           ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(codes (F, K) = the output layer's inputs, the lip term's inputs (F, Q) or None,
    standardised targets (F, D)) of clips."""

    got: list[torch.Tensor] = []
    quad: list[torch.Tensor] = []
    lips = getattr(model, "lip_term", None)
    hooks = [model.head.out.register_forward_pre_hook(lambda _m, args: got.append(args[0]))]
    if lips is not None:
        hooks.append(lips.out.register_forward_pre_hook(lambda _m, args: quad.append(args[0])))
    targets = []
    try:
        with torch.inference_mode():
            for batch in DataLoader(Subset(ds, index.tolist()), batch_size=batch_size):
                model(*norm.inputs(batch["frames"], batch["flow"]))
                targets.append(norm.target(batch["target"].float()).flatten(1))
    finally:
        for hook in hooks:
            hook.remove()
    return (torch.cat(got).double().numpy(),
            torch.cat(quad).double().numpy() if quad else None,
            np.nan_to_num(torch.cat(targets).double().numpy()))


def ridge_readout(task, run_dir: str | Path) -> dict | None:
    """Refit the output layer of run_dir/best.pt (see the module doc); returns the readout
    record, or None when the run has no best.pt or its model no linear output layer."""

    path = Path(run_dir) / "best.pt"
    cfg = task.cfg
    if not path.is_file():
        return None
    ckpt = read_checkpoint(path)
    model = build_model(task.model_name, task.model_config)  # the weights come from best.pt
    model.load_state_dict(ckpt["model"]["state_dict"])
    model.eval()
    layer = getattr(getattr(model, "head", None), "out", None)
    if not isinstance(layer, torch.nn.Linear):
        return None
    train = Lip2TongueDataset(task.prepared, "train", cfg.clip_len, cfg.target_position)
    val = Lip2TongueDataset(task.prepared, "val", cfg.clip_len, cfg.target_position)
    pick = np.linspace(0, len(val) - 1, min(REF_MAX_VAL, len(val))).round().astype(np.int64)
    x, q, y = _codes(model, task.norm, train, np.arange(0, len(train), REF_STRIDE))
    xv, qv, yv = _codes(model, task.norm, val, np.unique(pick))
    image = task.manifest["settings"]["target"] == "image"
    shape = (task.model_config["out_h"], task.model_config["out_w"]) if image else ()

    def smooth(v: np.ndarray) -> np.ndarray:
        return blur(v.reshape(-1, *shape)).reshape(len(v), -1) if image else v
    candidates = {"code": (x, xv)}
    if q is not None:  # the lip term: alone, or beside the code (picked on validation)
        candidates.update(lips=(q, qv), code_and_lips=(np.hstack([x, q]), np.hstack([xv, qv])))
    fits = {name: ridge_select(a, y, av, yv, smooth) for name, (a, av) in candidates.items()}
    name = max(fits, key=lambda n: fits[n].val_r2)
    fit = fits[name]
    _write(model, fit, name, x.shape[1])
    record = {"kind": "ridge", "features": name, "alpha": fit.alpha,
              "val_r2": round(fit.val_r2, 6), "train_clips": len(x), "val_clips": len(xv),
              "val_r2_by_features": {n: round(f.val_r2, 6) for n, f in fits.items()}}
    ckpt["model"]["state_dict"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    ckpt["meta"] = {**ckpt.get("meta", {}), "readout": record}
    save_checkpoint(path, ckpt)
    return record


def _write(model, fit, features: str, n_code: int) -> None:
    """Fold the fit (standardisation included) into the output layer and the lip term: the
    code's columns go to head.out, the lip term's to lip_term.out, the whole bias to head.out."""
    scaled = fit.weights / fit.sd[:, None]  # (F, D)
    bias = fit.y_mean - (fit.mu / fit.sd) @ fit.weights  # (D,)
    code = scaled[:n_code] if features != "lips" else np.zeros((n_code, scaled.shape[1]))
    lips = {"lips": scaled, "code_and_lips": scaled[n_code:]}.get(features)
    with torch.no_grad():
        model.head.out.weight.copy_(torch.from_numpy(code.T.astype(np.float32)))
        model.head.out.bias.copy_(torch.from_numpy(bias.astype(np.float32)))
        term = getattr(model, "lip_term", None)
        if term is not None:
            term.out.weight.zero_()
            term.out.bias.zero_()
            if lips is not None:
                term.out.weight.copy_(torch.from_numpy(lips.T.astype(np.float32)))
