"""Pure domain code: specs, naming, manifests, state machines. Imports no I/O library."""
