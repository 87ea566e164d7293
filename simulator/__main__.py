"""`python -m simulator`: what `flask simulate` runs."""

from simulator.cli import command

command.main(prog_name="flask simulate")
