"""A Jekyll site read as Jekyll reads it: which files are posts, their front-matter defaults,
slugs, titles and ids, and their Liquid with Jekyll's own tags and filters."""
