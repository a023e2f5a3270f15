"""Users, roles, API tokens and the division or organisation a role is scoped to."""
