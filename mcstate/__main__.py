from mcstate.cli import run

run()
