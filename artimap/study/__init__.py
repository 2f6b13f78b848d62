"""A subjective rating study of predicted ultrasound frames (the lip2tongue paper's Table 1:
raters score how similar each method's prediction is to the real frame, 1-5).

    design.py   the study folder (study.json, images/) and each rater's deterministic order
    make.py     `artimap study make`: random test frames, every method re-predicting them
    store.py    the ratings database (SQLite, one transaction per answered page)
    app.py      `artimap study serve`: the rating web app (Flask)
    stats.py    Holm correction, Kendall's W; Friedman and Wilcoxon come from scipy.stats
    analyse.py  `artimap study analyse`: per-method mean ± std, tests, agreement, HTML
"""
