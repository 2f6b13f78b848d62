"""`python -m artimap`: the command line. A Ctrl-C while it is still importing is the same
one line as later (cli.main catches it from there on)."""

import sys

try:
    from artimap.cli import main
except KeyboardInterrupt:
    print("artimap: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
