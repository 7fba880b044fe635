"""Sign-in, sessions, API tokens and failed-login throttling."""
