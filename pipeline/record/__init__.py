"""The record: assembly from extracted facts, and the JSON Schema contract."""
