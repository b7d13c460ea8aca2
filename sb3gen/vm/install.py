"""`python -m sb3gen.vm.install`: install the Node tools now (CI runs it before the tests)."""

import sys

from sb3gen.errors import Sb3genError
from sb3gen.vm.node_tools import ensure_node_tools


def main() -> int:
    try:
        print(ensure_node_tools())
    except Sb3genError as error:
        print(f"sb3gen: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
