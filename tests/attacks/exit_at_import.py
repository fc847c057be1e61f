"""Calls sys.exit(0) while being imported: an import error, grading goes on."""
import sys

sys.exit(0)
