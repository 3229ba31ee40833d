# Issue 3: the daemon, D-Bus API, kneectl live commands.
