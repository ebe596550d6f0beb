"""People's lines: SIP Accounts made, disabled and enabled again for the roles a provider names, and the
registration of each line's phone as its PBX reports it."""
