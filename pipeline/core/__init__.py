"""The document model every stage shares, and stage timing."""
