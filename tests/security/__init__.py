"""The abuse suite: each test tries what an attacker would, through HTTP."""
