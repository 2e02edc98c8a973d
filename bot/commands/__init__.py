"""One module per CLI command (or group of related commands); each has `attach(group)`."""
