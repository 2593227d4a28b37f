"""The long-running processes: the web server with its refresher beside it, the schedule, pings."""
