"""State, identifiers and time: the parts of the emulator that know nothing of HTTP."""
