"""The openai-connector command line (see main.py)."""
