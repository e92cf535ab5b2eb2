"""Serving what is published: the search index and the HTTP API.

* :mod:`~pipeline.serve.folding`: the folded and exact forms of text, and their tokens;
* :mod:`~pipeline.serve.query`: the query language, rendered as FTS5 at three strictness levels;
* :mod:`~pipeline.serve.snippets`: the original text around the best match, marked;
* :mod:`~pipeline.serve.regions`: province search across the 2025 reorganisation;
* :mod:`~pipeline.serve.search`: the SQLite index, its filters and its ranking;
* :mod:`~pipeline.serve.params`: search parameters, checked alike for the API and the command line;
* :mod:`~pipeline.serve.export`: CSV export of a search;
* :mod:`~pipeline.serve.models`: response models generated from ``schemas/``;
* :mod:`~pipeline.serve.api`: the read-only HTTP API.
"""
