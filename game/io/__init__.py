"""Files in and out: safe storage, level and design files, and (later) import/export formats."""
