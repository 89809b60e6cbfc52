"""The report: its row schema and statuses (the contract analysts read), the typed summary that
summary.json, the verdict line and index.html all read, and the page rendered from templates."""
