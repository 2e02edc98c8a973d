"""What a ritual is: the YAML schema, the built-in library and loading with `file:line` problems,
who may manage one; the live library reloaded from its files, people named by email or @handle,
what the rituals need of the workspace, and the starter files of `ritualbot init`."""
