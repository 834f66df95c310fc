"""Finds Gymnasium for the Python peers: as installed, else from $VARL_GYMNASIUM_SRC (a folder holding the
`gymnasium/` package, e.g. a clone of Farama-Foundation/Gymnasium), else from bench/peers/gymnasium-src
(bench/peers/install.sh). Gymnasium's core and its MuJoCo task code need NumPy only."""
import os
import sys


def import_gymnasium(script):
    """Imports and returns the gymnasium package, or exits naming `script` and where it looked."""
    try:
        import gymnasium
        return gymnasium
    except ImportError:
        pass
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (os.environ.get("VARL_GYMNASIUM_SRC"), os.path.join(here, "gymnasium-src")):
        if folder and os.path.isdir(os.path.join(folder, "gymnasium")):
            sys.path.insert(0, folder)
            import gymnasium
            return gymnasium
    sys.exit(f"{script}: Gymnasium not found: install it, set VARL_GYMNASIUM_SRC to a folder holding its gymnasium/ "
             "package (a clone of https://github.com/Farama-Foundation/Gymnasium), or run bench/peers/install.sh")
