"""Turn Vietnamese official plan documents into structured, grounded records.

The folders are the stages of the pipeline, in the order data flows through them; a stage
imports only the stages before it (``tests/test_architecture.py`` checks this):

* :mod:`pipeline.core`: the document model every stage shares (text, pages, evidence) and timing;
* :mod:`pipeline.lang`: the Vietnamese vocabulary as data (``lang/vi/*.json``) and syllable checks;
* :mod:`pipeline.ingest`: readers (one per format), OCR, legacy encodings, limits, and
  :mod:`~pipeline.ingest.normalize`, which fixes the one text every offset refers to;
* :mod:`pipeline.nlp`: recognisers (dates, numbers, document numbers) and the underthesea tokeniser;
* :mod:`pipeline.extract`: pure extractor functions, one module per fact family, and the resolver;
* :mod:`pipeline.record`: record assembly and the JSON Schema contract (``schemas/``);
* :mod:`pipeline.publish`: atomic storage, output names and the catalog;
* :mod:`pipeline.review`: reviewer corrections applied on publishing, review pages;
* :mod:`pipeline.serve`: the search index and the HTTP API;
* :mod:`pipeline.run`: one file, batches, the Prefect flows, the inbox service, the cache, evaluation;
* :mod:`pipeline.cli`: the command line.
"""

__version__ = "0.1.0"

#: Version of the extraction logic; bump when extractor output may change.
EXTRACTOR_VERSION = "1.3.0"
