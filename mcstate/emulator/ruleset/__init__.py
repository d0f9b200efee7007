"""The rules of the Marketing Cloud service and the emulator's named choices, one module per object
type; mcstate/emulator/rules.py gathers them."""
