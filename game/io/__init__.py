"""Files in and out: safe storage, level and design files, the GIS import and the export formats."""
