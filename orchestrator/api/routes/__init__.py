"""HTTP routes: each loads its inputs, calls one airlock method, and returns a schema."""
