"""The knowledge base: the practitioners' library of good practices and handbook sections.

Layer 2, above core/ (the platform) and practices/ (the records as a domain): its search
documents, the service (import, export, save, delete, search, related records), query
parsing, the JSON of records and the judged-query evaluation.
"""
