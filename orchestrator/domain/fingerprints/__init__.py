"""Fingerprints that let a leaked table be traced to the project copy or release it came from.

Pure code: tables come in as column names and rows of cell values; the file readers
and the fingerprint store on disk live in ``orchestrator.adapters.table_files``.
"""
