"""Build and refresh: what is stale, in which order, on which worker, handed to which writer."""
