"""What a ritual is: the YAML schema, the built-in library and loading with `file:line` problems,
and who may manage one."""
