"""SANDBOX: what the stand-in modules of Python 2.7's eups stack share. A module named in the site's
fault file state/faults/python_missing (not consumed; names separated by spaces or commas; empty
means easyaccess) fails to import with Python 2's message, `ImportError: No module named NAME`."""
import os

_CHECKOUT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_FAULT = os.path.join(os.path.dirname(_CHECKOUT), 'state', 'faults', 'python_missing')


def require(name):
    """Raises ImportError when the fault names this module."""
    try:
        with open(_FAULT) as f:
            named = f.read().replace(',', ' ').split() or ['easyaccess']
    except (IOError, OSError):
        return
    if name in named:
        raise ImportError('No module named %s' % name)
