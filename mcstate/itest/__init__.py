"""`mcstate test`: the project's integration tests (*.test.yaml), each run on a fresh embedded emulator."""
