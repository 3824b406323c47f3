"""Connect: accounts and capabilities."""
