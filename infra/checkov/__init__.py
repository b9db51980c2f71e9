# checkov loads external checks only from a folder with __init__.py.
