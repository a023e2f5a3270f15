"""Master data: administrative divisions, functional zones and organisations."""
