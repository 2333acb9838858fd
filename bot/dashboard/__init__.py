"""The coordinators' dashboard (issue 12): web pages on the bot's own web server."""
