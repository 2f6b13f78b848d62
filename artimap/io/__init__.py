"""Readers and writers of the real corpus formats.

Ultrasound (AAA `.ult` + `.param`/`US.txt`, scan conversion to fan images), lip video and
image-frame folders, audio (wav), DeepLabCut point CSVs and AAA spline exports live here, beside
the motion-capture and alignment formats. Readers raise `ArtimapError` naming the file, the
problem and the fix; writers are atomic (a reader never sees a half-written file).
"""
