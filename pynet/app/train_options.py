"""Options of ``pynet train`` beyond the network's: validation, augmentation, the plot's name."""

from .augment import JITTER_DEFAULTS
from .errors import UsageError
from .options import bound, count
from .plot import check_curve_path


def add_validation(parser):
    group = parser.add_argument_group(
        "validation", "With --validation N the last N training images are held out: never trained on, they "
                      "measure the accuracy after every epoch, so that epochs and learning rates are chosen "
                      "without looking at the test set, which is evaluated once, at the end.")
    group.add_argument("--validation", type=count, default=0, metavar="N",
                       help="hold out the last N training images for validation (default 0: none)")
    group.add_argument("--keep", choices=("last", "best"), default="last",
                       help="save the last epoch's weights (default) or those of the epoch with the best "
                            "validation accuracy (needs --validation and --save)")
    group.add_argument("--test-each-epoch", action="store_true",
                       help="evaluate the test set after every epoch too, not only at the end")


def add_augmentation(parser):
    jitter = parser.add_argument_group(
        "augmentation", "With --augment N, every epoch trains on each training image as it is and on N "
                        "copies of it, each under its own random affine jitter about the centre (bilinear "
                        "interpolation, background outside), drawn afresh every epoch from --seed. An "
                        "epoch then has (N+1) times as many samples; with --shuffle they are shuffled "
                        "together, without it the epoch is the plain pass followed by N jittered passes. "
                        "Copies are made a chunk at a time, never all held in memory.")
    jitter.add_argument("--augment", type=count, default=0, metavar="N",
                        help="jittered copies of each image per epoch (default 0: no augmentation)")
    jitter.add_argument("--aug-shift", type=bound, default=None, metavar="PIXELS",
                        help="largest shift, in pixels, across and down (default %g)" % JITTER_DEFAULTS["shift"])
    jitter.add_argument("--aug-rotate", type=lambda text: bound(text, 180.0), default=None, metavar="DEGREES",
                        help="largest rotation either way, in degrees (default %g)" % JITTER_DEFAULTS["rotate"])
    jitter.add_argument("--aug-scale", type=lambda text: bound(text, 1.0), default=None, metavar="FRACTION",
                        help="largest change of size: 0.1 scales by 0.9 to 1.1 (default %g)"
                             % JITTER_DEFAULTS["scale"])
    jitter.add_argument("--aug-shear", type=bound, default=None, metavar="FACTOR",
                        help="largest horizontal shear, pixels per row (default %g)" % JITTER_DEFAULTS["shear"])


def check_augmentation(args):
    if not args.augment:
        given = [name for name in JITTER_DEFAULTS if getattr(args, "aug_" + name) is not None]
        if given:
            raise UsageError("--aug-%s takes effect only with --augment N" % given[0], "train")


def jitter_bounds(args):
    """The ``--aug-*`` bounds given (the rest take ``JITTER_DEFAULTS``)."""
    return {name: getattr(args, "aug_" + name) for name in JITTER_DEFAULTS if getattr(args, "aug_" + name) is not None}


def check_plot_name(path):
    try:
        check_curve_path(path)
    except ValueError as error:
        raise UsageError("--plot %s" % error, "train")
