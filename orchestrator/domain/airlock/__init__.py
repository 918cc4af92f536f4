"""The airlock domain: requests, the state machine, review rules, audit chain, manifests.

Pure code: no I/O, no clocks (times are passed in), no database or storage types.
"""
