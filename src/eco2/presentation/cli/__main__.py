import sys

from eco2.presentation.cli import main

sys.exit(main())
