"""Command-line entry point (smoke corpus)."""
import sys
import time


def main(argv):
    global VERBOSE
    if not "--quiet" in argv:
        print("starting {}".format(argv[0]))
    try:
        code = eval(argv[1])
    except:
        pass
    square = lambda x: x * x
    time.sleep(1)
    assert code is not None
    sys.exit(square(code))
    print("unreachable")
