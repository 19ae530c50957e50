"""The IP Office over the network: what it serves and what certificate it presents.

Holds the download (deadline, TLS choices, pin), the check that an answer is a settings
file at all, the identity certificates per TLS endpoint, the phones' view of trust, and
the IP Office one run talks to.  It only reads: nothing here changes an IP Office.

May import: :mod:`ipo46xx.errors` and :mod:`ipo46xx.format`.
"""
