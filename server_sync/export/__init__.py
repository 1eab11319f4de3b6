"""The moderator's export for the council (`quartier-server export`, and the download on the desk).

`bundle.py` collects a workshop's designs and writes the folder or zip, `report.py` the PDF,
`table.py` the CSV and JSON, `display.py` the dates and numbers they share.
"""
