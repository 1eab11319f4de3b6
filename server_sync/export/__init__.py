"""The moderator's export for the council (`quartier-server export`, and the download on the desk).

`contents.py` collects what a workshop produced, `report.py` writes the PDF from it, `table.py`
the CSV and JSON, `bundle.py` all files into the folder or zip; `display.py` holds the dates
and numbers they share.
"""
