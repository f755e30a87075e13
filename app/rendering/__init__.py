"""The pure rendering core: brand kit + template + partner in, bytes out (see README.md)."""
