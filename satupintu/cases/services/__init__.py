"""Writes of applications, one module a seam: the service's workflow (``configuration``), the
form and its texts (``forms``), drafts, files, the transitions (``transitions``, ``workflow``),
pushes from licensing systems, field surveys, issuing the product, and retention."""
