"""The request edge: what every HTTP request from Slack passes before Bolt sees it.

Bolt parses a body before it checks the signature, reads bodies of any size, and does not
refuse a signed request sent again inside Slack's five-minute window. `RequestEdge` (a WSGI
middleware in front of Bolt's handler) caps the body, verifies the signature on the raw bytes,
refuses a body that is not Slack's shape, and remembers the signatures it has seen in the
database (`SeenRequests`), so every replica refuses a replay.
"""
