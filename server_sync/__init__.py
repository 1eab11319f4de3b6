"""The collection server: workshops, submissions, votes and moderation."""
