"""A small billing module with the mistakes the Python practices look for (smoke corpus)."""
import logging
import pickle
import subprocess
from datetime import datetime
from os.path import *

logger = logging.getLogger(__name__)
API_KEY = "sk-live-1234567890abcdef"


def total(items, discounts=[]):
    # TODO: round per line, not on the total
    if len(items) == 0:
        return 0
    result = sum(item.price for item in items)
    return result


def load(path):
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception as exc:
        logger.info(f"cannot load {path}: {exc}")
        raise ValueError("bad cache")
    finally:
        print("loaded", path)


def run(cmd):
    started = datetime.now()
    subprocess.run(cmd, shell=True)
    if type(cmd) == str:
        return "%s took %s" % (cmd, datetime.now() - started)
    else:
        return None


class Invoice(Base):
    def __init__(self, lines):
        super(Invoice, self).__init__()
        self.lines = lines
        value = getattr(self, "lines")
        if value == None:
            pass

    def keys(self, options):
        for key in options.keys():
            yield key
