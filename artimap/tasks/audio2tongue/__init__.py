"""audio2tongue: predict tongue points, contours or ultrasound images from speech audio
(acoustic-to-articulatory inversion: log-mel -> BiLSTM, or its causal variant).

The task's public surface (`artimap.tasks.protocol.TaskModule`), one module per concern:

    config.py     ExperimentConfig and the model config the data imply
    task.py       make_task: the artimap.train.Task of one run (artimap.tasks.audio_run)
    metrics.py    the metrics it reports, declared once (point error, MSD; SSIM, RMSE)
    evaluate.py   evaluate_run, result_columns, result_row, with the reference rows of
                  artimap.tasks.audio_refs (training mean, ridge on a log-mel window)
    predict.py    `artimap predict RUN --audio x.wav --out D` (or `--audio -`: live PCM)
    summary.py    an experiment's summary.md and its published numbers (none)
    figures.py    its report figure: a test utterance's tongue height, true and predicted
"""

from artimap.tasks.audio2tongue.config import EVAL_OPTIONS, ExperimentConfig
from artimap.tasks.audio2tongue.evaluate import evaluate_run, result_columns, result_row
from artimap.tasks.audio2tongue.figures import report_figures
from artimap.tasks.audio2tongue.metrics import GAP, METRICS
from artimap.tasks.audio2tongue.predict import add_predict_arguments, predict
from artimap.tasks.audio2tongue.summary import published_metrics, summarise
from artimap.tasks.audio2tongue.task import make_task
from artimap.tasks.audio_live import out_optional

__all__ = ["EVAL_OPTIONS", "GAP", "METRICS", "ExperimentConfig", "add_predict_arguments",
           "evaluate_run", "make_task", "out_optional", "predict", "published_metrics",
           "report_figures", "result_columns", "result_row", "summarise"]
