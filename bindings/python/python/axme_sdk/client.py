"""Alias of :mod:`axme.client` (the public 0.2.0 module path ``axme_sdk.client``)."""

from axme.client import *  # noqa: F401,F403
from axme.client import __all__  # noqa: F401
