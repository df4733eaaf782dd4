"""i-Cabinet server: the only package that knows HTTP and websockets."""
