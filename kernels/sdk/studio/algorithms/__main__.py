"""python -m studio.algorithms <algorithm>: train a built-in algorithm from the SM_* environment.

Bad input ends the process with a traceback whose last line is `ValueError: <what is wrong>`
(the studio shows that line as the job's failure reason).
"""

import sys

USAGE = "usage: python -m studio.algorithms <algorithm>   (inputs from SM_CHANNEL_TRAIN, SM_HPS, SM_MODEL_DIR, ...)"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        from ._catalogue import algorithm_ids

        print(USAGE + "\nalgorithms: " + ", ".join(algorithm_ids()), file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import json
    import os

    from ._catalogue import validate_hyperparameters

    try:  # bad hyperparameters fail before pandas / scikit-learn are imported (run() checks them again)
        hps = json.loads(os.environ.get("SM_HPS") or "{}")
    except json.JSONDecodeError:
        hps = None  # run() reports it
    if isinstance(hps, dict):
        validate_hyperparameters(argv[0], hps)
    from ._train import run

    run(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
