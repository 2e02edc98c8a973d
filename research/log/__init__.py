"""The "Log research" modal, opened by `/research log`, the Home tab's button and the "Log as
research note" message shortcut (which fills in the message's text and link).

`modal` lays it out, `menus` answers its account and contact menus as the person types, and
`submission` reads what was submitted and saves the touch.
"""
