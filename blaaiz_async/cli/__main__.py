from blaaiz_async.cli import main

raise SystemExit(main())
