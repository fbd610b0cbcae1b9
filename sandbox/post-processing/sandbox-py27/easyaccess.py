"""SANDBOX stand-in for the eups stack's easyaccess: importable, nothing more (the sandbox's
run_postproc.py does not call it). Fails to import when state/faults/python_missing names it."""
import _sandbox_py27

_sandbox_py27.require('easyaccess')
__version__ = 'sandbox'
