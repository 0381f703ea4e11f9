"""``python -m ppladapt``: the command line (see `ppladapt.cli`)."""

import sys

from ppladapt.cli import main

sys.exit(main())
