"""What the service keeps between refreshes and restarts: readings, ids, signatures, status."""
