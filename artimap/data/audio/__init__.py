"""Audio input shared by the audio tasks (audio2tongue, audio2face): read a wav, check it,
resample to 16 kHz mono and compute 80-band log-mel frames every 10 ms.

Modules: mel (HTK mel scale, filterbank, log-mel by `torch.stft`), load (wav -> checked 16 kHz
mono samples), clock (mel frame times and the mel frame of a target time), stream (the mel
stream of a prepared dataset and its training statistics), dataset (sequences of mel frames
with the targets gathered at their mel frames).
"""
