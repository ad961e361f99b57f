"""Every module here registers its checks with lib.findings.check; importing the package loads them all."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
