"""Build script: declares the compiled modules of pynet_fast (filled in with the backend)."""

from setuptools import setup

setup()
