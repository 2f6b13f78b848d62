"""Lip measurement in lip close-up video: a small CNN (LipNet) that places 8 lip points per
frame (corners, inner upper / lower lip at left, middle, right), the measures derived from
them (aperture, width, opening area, roundness, outer height), few-shot adaptation to a new
speaker from a handful of labelled frames (fine-tuning, post-hoc calibration), training and
leave-speaker-out evaluation.

The road: data (labelled folders) -> augment / train -> weights -> predict -> finetune /
calibrate (adapt) -> run (CSV, DeepLabCut CSV, overlay, summary); crossval / fewshot /
evaluate hold speakers out.
"""
