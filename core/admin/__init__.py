"""Admin pieces every app's admin shares: the change-history admin and the service actions."""
