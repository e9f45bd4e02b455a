"""App assembly: the service container that starts and stops every background service."""
