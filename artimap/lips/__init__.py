"""Lip measurement in lip close-up video: a small CNN (LipNet) that places 8 lip points per
frame (corners, inner upper / lower lip at left, middle, right), the measures derived from
them (aperture, width, opening area, roundness, outer height), few-shot calibration to a new
speaker from a handful of labelled frames, training and leave-speaker-out evaluation.

The road: data (labelled folders) -> augment / train -> weights -> predict -> calibrate ->
run (CSV, DeepLabCut CSV, overlay, summary); crossval / evaluate hold speakers out.
"""
