"""Consultation and co-evaluation: residents' comments, ratings and preferences on scenarios, kept in a database."""
