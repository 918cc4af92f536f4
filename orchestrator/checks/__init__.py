"""The export-check engine: reads outbound files and decides pass, review or block from declarative rules."""
