"""A ritual's form as Slack modals: building the views, reading them back, validating answers.

Everything here is plain data in, plain Block Kit dicts out: no Slack client, no database. The
answer modal holds one input per field and, for an ``items`` field, one compact row per item
(see :mod:`rituals.collect.forms.modal`); ``handlers/`` opens and updates the views, ``rituals/`` keeps
the draft and the answers.
"""
