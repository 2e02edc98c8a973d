"""How every domain reaches Slack: the gateway protocol and its error tree, the outbox, Slack's
limits, message layout and splitting, and mrkdwn escaping."""
