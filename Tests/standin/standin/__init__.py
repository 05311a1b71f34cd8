"""The Upstox stand-in server, one concept a module.

upstox_standin.py beside this package is the executable. It puts its own folder on
sys.path and runs standin.cli.main.
"""
