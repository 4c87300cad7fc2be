"""identity: the user directory and the auth core every face calls."""
