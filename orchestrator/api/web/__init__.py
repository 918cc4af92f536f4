"""The airlock's browser pages: sign-in, sessions and server-rendered HTML."""
