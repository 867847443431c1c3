"""Good-practice case studies as a domain: schema, vocabularies, validation, import/export."""
