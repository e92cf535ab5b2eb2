"""Serving what is published: the search index and the HTTP API."""
