"""Prepare steps per task (corpus files -> manifest + memory-mappable arrays) and datasets."""
