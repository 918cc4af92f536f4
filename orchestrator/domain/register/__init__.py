"""The public transparency register: which projects use which data, and what they released."""
