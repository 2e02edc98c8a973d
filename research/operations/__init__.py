"""The registry's work outside Slack: importing CSV files, exporting, and erasing a contact."""
