"""Alias of :mod:`axme.exceptions` (the public 0.2.0 module path ``axme_sdk.exceptions``)."""

from axme.exceptions import *  # noqa: F401,F403
from axme.exceptions import __all__  # noqa: F401
