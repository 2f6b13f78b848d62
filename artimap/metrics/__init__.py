"""Evaluation metrics: pure functions, numpy in, floats or arrays out.

    image.py      ssim (SSIM of images or stacks of frames)
    cw_ssim.py    cw_ssim (steerable pyramid), cw_ssim_pyssim (pyssim-compatible)
    contour.py    msd, msd_mm (mean sum of distances between contours)
    markers.py    marker trajectory metrics of phone2face ((T, M, 3) in mm)
    aggregate.py  per frame -> per utterance, mean, std; per utterance -> mean, std, pooled
    declare.py    Metric: how a task declares the metrics it reports (name, function, unit)

Import the module you need (`from artimap.metrics.image import ssim`); this package imports
nothing, so that reading a declaration never loads scipy or pyrtools.
"""
