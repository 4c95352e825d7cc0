"""``axme_sdk``: the import name the public ``axme`` 0.2.0 package also provides; an alias of
:mod:`axme`."""

from axme import *  # noqa: F401,F403
from axme import __all__, __version__  # noqa: F401
