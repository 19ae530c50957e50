"""The file language, with no I/O: bytes in, documents and answers out.

Holds the grammar (pyparsing, the single source of truth for syntax), the statements, the
lossless document and its edits, the TRUSTCERTS list, the evaluator (what one phone gets),
the linter, the phone model table, provenance, phone profiles and the chain a phone reads.
Files a ``GET`` reaches come in through a loader the caller passes.

May import: :mod:`ipo46xx.errors` only.  Never the network, a storage target or anything
above it.
"""
