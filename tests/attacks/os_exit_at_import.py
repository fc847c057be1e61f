"""Calls os._exit(0) while being imported: a crash, grading goes on."""
import os

os._exit(0)
