"""Views: turn plans and reports into text, JSON and markdown. They never talk to the service."""
