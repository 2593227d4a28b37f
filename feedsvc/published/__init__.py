"""The published set on disk: documents with their compressed twins, the manifest, atomic
writes, generations."""
