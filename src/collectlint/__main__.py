"""`python -m collectlint` runs the command line."""

from collectlint.cli import main

main()
