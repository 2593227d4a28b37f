"""A site's files become posts: scanning, safe reading, front matter, dates, permalinks, and
each post's body as feed content."""
