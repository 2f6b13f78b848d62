"""audio2face data: the face markers of a prepared phone2face dataset (mm at its frame rate,
head motion removed, gaps filled; `artimap prepare phone2face`) with the log-mel frames of each
utterance's wav and, per marker frame, the mel frame at the same time."""
