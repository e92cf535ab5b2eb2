"""Publishing: atomic storage, output names and the catalog."""
