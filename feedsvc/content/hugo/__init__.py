"""A Hugo site read as Hugo reads it: which files are pages, their dates, paths and permalinks,
their shortcodes, and their content and summary as Hugo renders them."""
