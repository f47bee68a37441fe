"""The programme evaluation report: what happened, gathered (data.py), put in words
(report.py), drawn (charts.py) and rendered as Markdown, HTML or PDF (render.py)."""
