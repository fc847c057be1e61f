"""copydetect, imported without the plotting library it needs only for its own reports.

copydetect's ``detector`` module imports ``matplotlib.pyplot`` at its top, for
the HTML report that copydetect draws itself (a similarity matrix and a
histogram). The similarity report of this project never asks for it, and
importing matplotlib is most of copydetect's import: about 0.3 of 0.5 s in
every helper process that compares a class, paid after the class's last
submission is graded.

:func:`copydetect` imports the package with placeholder modules standing in for
matplotlib during the import only; they are removed afterwards, so a later
``import matplotlib`` in the same process gets the real library. copydetect's
own report functions would fail on the placeholder and are never called. Where
matplotlib (or copydetect) is loaded already, or a copydetect version needs more
of matplotlib at import than the placeholders offer, the import is the plain one.
"""

from __future__ import annotations

import functools
import sys
import types

STAND_INS = ("matplotlib", "matplotlib.pyplot")


@functools.cache
def copydetect() -> types.ModuleType:
    """The ``copydetect`` package, with ``copydetect.utils`` loaded (imported once per process)."""
    if "copydetect.detector" not in sys.modules and "matplotlib" not in sys.modules:
        try:
            return _import_with_stand_ins()
        except Exception:  # noqa: BLE001 - a copydetect that needs more of matplotlib: the plain import
            for name in [n for n in sys.modules if n == "copydetect" or n.startswith("copydetect.")]:
                del sys.modules[name]
    import copydetect as package
    import copydetect.utils  # noqa: F401 - loaded for the caller
    return package


def _import_with_stand_ins() -> types.ModuleType:
    stand_ins = {name: types.ModuleType(name, "a stand-in while copydetect is imported") for name in STAND_INS}
    for name, module in stand_ins.items():
        module.__path__ = []  # a package, so that "import matplotlib.pyplot" resolves
        parent, _, child = name.rpartition(".")
        if parent in stand_ins:
            setattr(stand_ins[parent], child, module)
    sys.modules.update(stand_ins)
    try:
        import copydetect as package
        import copydetect.utils  # noqa: F401 - loaded for the caller
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
    return package
