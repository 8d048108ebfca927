from yike_tui.cli import main

raise SystemExit(main())
