"""The customer research registry: who talked to which customer, when and about what.

Accounts, contacts and touches live in the database; the rules (a contact's cooldown, an
account's limit per period shared by every team, do-not-contact) live in a reviewed YAML file.
The rules are evaluated when someone plans outreach and when a touch is logged; breaking one
takes a reason, which is kept and told to the rules' owners. Notes are searchable in full text.

This package never imports the rituals domain: its part of a ritual's digest is a
`DigestContribution` that `bot/` hands to the rituals, and its Home section a `HomeSection`.
"""
