"""Audio input shared by the audio tasks (audio2tongue, audio2face): read a wav, check it,
resample to 16 kHz mono and compute 80-band log-mel frames every 10 ms.

Modules: mel (HTK mel scale, filterbank, log-mel by `torch.stft`, mel frame times and the mel
frame of a target time), load (wav -> checked 16 kHz mono samples), features (wav -> log-mel,
and the check that a wav covers its targets), parts (joining per-utterance parts at prepare),
stream (the mel stream of a prepared dataset and its training statistics), dataset (sequences
of mel frames with the targets read at their mel frames).
"""
