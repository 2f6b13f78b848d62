"""artimap: learn mappings between streams of speech articulation."""

__version__ = "0.1.0"
