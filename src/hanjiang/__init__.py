"""Hanjiang: the e-commerce public service platform of a Chinese city."""

__version__ = "0.1.0"
