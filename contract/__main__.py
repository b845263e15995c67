import sys

try:
    from contract.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python was still loading the command
    sys.exit(130)

sys.exit(main())
