"""Users, passwords, tokens, system roles and guards."""
