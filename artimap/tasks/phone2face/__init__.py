"""phone2face: phone sequences -> 3-D lower-face marker trajectories (BiGRU + decoders).

The task's public surface (`artimap.tasks.protocol.TaskModule`), one module per concern:

    config.py     ExperimentConfig (one row of the study) and the model config it implies
    bases.py      PCA / blendshape / autoencoder bases fitted on the training split
    task.py       make_task: the artimap.train.Task of one run (model, datasets, loss)
    chunks.py     chunked inference with context (long utterances)
    metrics.py    the metrics it reports, declared once (name, function, unit, direction)
    evaluate.py   evaluate_run, result_columns, result_row
    predictor.py  Predictor: a run's model with its normalisation (evaluate, predict, benchmark)
    references.py the reference rows: mean face (floor), ridge_phones.py (the simple baseline),
                  oracle.py (the ceiling, talker corpora)
    predict.py    `artimap predict` from a phone alignment (.c3d, Motive .csv, .mp4)
    render.py     the marker video (front and side views) and audio muxing
    summary.py, figures.py   an experiment's summary.md and figures (Table 1, trajectories)
    demo.py       the phone2face step of `artimap demo`
"""

from artimap.tasks.phone2face.config import EVAL_OPTIONS, ExperimentConfig
from artimap.tasks.phone2face.evaluate import evaluate_run, result_columns, result_row
from artimap.tasks.phone2face.figures import report_figures
from artimap.tasks.phone2face.metrics import GAP, METRICS
from artimap.tasks.phone2face.predict import add_predict_arguments, predict
from artimap.tasks.phone2face.summary import published_metrics, summarise
from artimap.tasks.phone2face.task import make_task

__all__ = ["EVAL_OPTIONS", "GAP", "METRICS", "ExperimentConfig", "add_predict_arguments",
           "evaluate_run", "make_task", "predict", "published_metrics", "report_figures",
           "result_columns", "result_row", "summarise"]
