"""audio2tongue data: audio + tongue targets (points, contours or ultrasound images) -> log-mel
frames and targets at their own frame times, each with the index of its log-mel frame.

Modules: sources (find utterances per corpus format), targets (read a target stream with its
times), utterance (prepare one utterance), prepare (the whole corpus, split, statistics).
The audio side (wav, log-mel, the mel stream) lives in `artimap.data.audio`.
"""
