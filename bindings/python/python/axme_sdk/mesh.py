"""Alias of :mod:`axme.mesh` (the public 0.2.0 module path ``axme_sdk.mesh``)."""

from axme.mesh import *  # noqa: F401,F403
from axme.mesh import __all__  # noqa: F401
