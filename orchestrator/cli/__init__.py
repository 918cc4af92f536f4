"""The ``tre`` command line."""
