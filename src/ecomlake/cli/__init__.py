"""The `ecomlake` command line."""
