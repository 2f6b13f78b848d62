"""audio2face: predict 3-D face marker trajectories (mm, as phone2face prepares them) from
speech audio with the inversion model of audio2tongue (log-mel -> BiLSTM or causal LSTM).

The task's public surface (`artimap.tasks.protocol.TaskModule`), one module per concern:

    config.py     ExperimentConfig
    task.py       make_task: the artimap.train.Task of one run (artimap.tasks.audio_run)
    metrics.py    RMSE, Euclidean error and correlation as phone2face defines them
    evaluate.py   evaluate_run, result_columns, result_row, with the reference rows of
                  artimap.tasks.audio_refs (the mean face, ridge on a log-mel window)
    predict.py    `artimap predict RUN --audio x.wav --out D` -> markers CSV (`--audio -`: live)
    summary.py    an experiment's summary.md and its part of an HTML report
"""

from artimap.tasks.audio2face.config import EVAL_OPTIONS, ExperimentConfig
from artimap.tasks.audio2face.evaluate import evaluate_run, result_columns, result_row
from artimap.tasks.audio2face.metrics import GAP, METRICS
from artimap.tasks.audio2face.predict import add_predict_arguments, predict
from artimap.tasks.audio2face.summary import published_metrics, report_figures, summarise
from artimap.tasks.audio2face.task import make_task
from artimap.tasks.audio_live import out_optional

__all__ = ["EVAL_OPTIONS", "GAP", "METRICS", "ExperimentConfig", "add_predict_arguments",
           "evaluate_run", "make_task", "out_optional", "predict", "published_metrics",
           "report_figures", "result_columns", "result_row", "summarise"]
