"""Contract tests: each checks one row of docs/jumpcloud-assumptions.md against the emulator or a real org."""
