"""Talking to Marketing Cloud: OAuth2 tokens, the SOAP API (the only place zeep is used) and filters."""
