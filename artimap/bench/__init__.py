"""The benchmarks behind `artimap bench`: one registry (`registry.py`), one timing helper
(`timing.py`), one module per benchmark. Importing this package imports nothing heavy."""
