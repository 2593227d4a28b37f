"""Which feeds exist and what they hold: feed kinds, the index, the live index, archive pages,
the URL layout, polling hints."""
