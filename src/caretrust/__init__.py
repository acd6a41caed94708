"""caretrust: integrated health and social care around the person."""

__version__ = "0.1.0"
