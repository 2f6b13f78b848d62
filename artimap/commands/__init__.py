"""One module per CLI subcommand; see `artimap.cli`."""
