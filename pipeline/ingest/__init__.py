"""Ingest: readers (one per format), OCR, legacy encodings, limits, layout and normalisation."""
