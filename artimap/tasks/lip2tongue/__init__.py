"""lip2tongue: predict ultrasound tongue images (or tongue points) from clips of lip video.

The task's public surface (`artimap.tasks.protocol.TaskModule`), one module per concern:

    config.py      ExperimentConfig (one row of Table 2 or 3), evaluation settings, model sizes
    normalise.py   standardisation of inputs and targets with the training statistics
    task.py        make_task: the artimap.train.Task of one run (model, datasets, loss)
    metrics.py     the metrics it reports, declared once (name, function, unit, direction)
    scoring.py     per-frame metrics of predicted vs real targets
    references.py  the reference rows (training mean, nearest neighbour)
    evaluate.py    evaluate_run, result_columns, result_row: metrics.json, results.csv rows
    predict.py     `artimap predict` on new lip video (frame by frame, cached features)
    stepper.py     the per-frame step (one frame in, one output out) of predict and live
    livefeed.py, live.py   live streams: camera or stdin frames, reader thread, drop-oldest queue
    summary.py, figures.py   an experiment's summary.md and figures (Tables 2/3, Figure 2),
                   and the task's part of an HTML report (report_figures, published_metrics)
    demo.py        the lip2tongue step of `artimap demo`
"""

from artimap.tasks.lip2tongue.config import EVAL_OPTIONS, ExperimentConfig
from artimap.tasks.lip2tongue.evaluate import evaluate_run, result_columns, result_row
from artimap.tasks.lip2tongue.figures import report_figures
from artimap.tasks.lip2tongue.live import add_predict_arguments, predict
from artimap.tasks.lip2tongue.metrics import GAP, METRICS
from artimap.tasks.lip2tongue.summary import published_metrics, summarise
from artimap.tasks.lip2tongue.task import make_task

__all__ = ["EVAL_OPTIONS", "GAP", "METRICS", "ExperimentConfig", "add_predict_arguments",
           "evaluate_run", "make_task", "predict", "published_metrics", "report_figures",
           "result_columns", "result_row", "summarise"]
