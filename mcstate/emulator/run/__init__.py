"""What the emulated account runs: activities started with Perform, reading and writing the file area and
the rows of data extensions (one module per activity kind)."""
