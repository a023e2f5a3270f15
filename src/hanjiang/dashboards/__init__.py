"""Pages that read across modules: the home page and its map, the audit trail."""
