"""Markdown as each tool renders it: CommonMark for plain folders, kramdown for Jekyll sites,
Goldmark (with Chroma's code wrappers) for Hugo sites."""
