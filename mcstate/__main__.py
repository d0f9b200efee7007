from mcstate.cli import main

main()
