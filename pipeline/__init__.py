"""Turn Vietnamese official plan documents into structured, grounded records.

The package is organised as a chain of small, separately testable stages:

* :mod:`pipeline.readers` turn a file's bytes into pages of raw text,
* :mod:`pipeline.normalize` fixes the one normalised text every offset refers to,
* :mod:`pipeline.tokenize` segments it into a spaCy ``Doc`` with underthesea,
* :mod:`pipeline.extract` holds the pure extractor functions, one module per fact family,
* :mod:`pipeline.resolve` settles conflicts between candidates,
* :mod:`pipeline.record` assembles and validates the JSON record,
* :mod:`pipeline.catalog` publishes the catalog, and
* :mod:`pipeline.flows` wraps the whole in Prefect at the edges.
"""

__version__ = "0.1.0"

#: Version of the extraction logic; bump when extractor output may change.
EXTRACTOR_VERSION = "1.1.0"
