"""Documents as bytes, with no files and no HTTP: feedgen XML, JSON Feed, pages for people, OPML."""
