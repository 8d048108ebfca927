import sys

from yike_tui.sim.cli import main

sys.exit(main())
