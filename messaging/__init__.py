"""How every domain reaches Slack: the gateway protocol and its error tree, the outbox, Slack's
limits, message layout and splitting, mrkdwn escaping, the Home tab, replies and local times,
people named by email or @handle, and the check of the workspace (the doctor)."""
