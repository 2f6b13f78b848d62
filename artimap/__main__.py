from artimap.cli import main

raise SystemExit(main())
