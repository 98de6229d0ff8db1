"""Build pipeline for the migrant stories site.

Everything here is engine-free except `builder.plugin`, the one adapter that imports MkDocs.
"""
