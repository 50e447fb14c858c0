"""``pynet evaluate``: accuracy, precision and recall per digit, the confusion matrix, and
the images the model gets wrong (listed, and drawn with ``--misclassified``)."""

import json

from ..backend import check_fits, choose_backend, load_data, load_model
from ..errors import EXIT_OK, UsageError, UserError, check_writable
from ..files import write_atomic
from ..grids import misclassified_png
from ..images import Image
from ..metrics import confusion_matrix, percent, precision_recall, predictions
from ..options import add_backend, add_data, positive_int
from ..record import summarise


def add_parser(commands):
    evaluate = commands.add_parser("evaluate", help="accuracy, precision, recall, confusion matrix, misses",
                                   description="Evaluate a saved model on the test set.")
    evaluate.add_argument("model", metavar="MODEL.json")
    add_data(evaluate)
    evaluate.add_argument("--split", choices=("test", "train"), default="test",
                          help="which part of the data to evaluate on (default test)")
    evaluate.add_argument("--limit", type=positive_int, default=None, metavar="N",
                          help="evaluate on the first N images only")
    evaluate.add_argument("--json", action="store_true",
                          help="print one JSON object instead of tables (with the misclassified images as "
                               "{index, label, prediction})")
    evaluate.add_argument("--misclassified", metavar="FILE.png",
                          help="draw the misclassified images in one PNG, each under its label and (in red) "
                               "the prediction")
    add_backend(evaluate)
    return evaluate


def misclassified(dataset, guesses):
    """``[{"index", "label", "prediction"}, ...]`` for every image whose prediction is wrong."""
    return [{"index": k, "label": dataset.labels[k], "prediction": guesses[k]}
            for k in range(len(dataset)) if guesses[k] != dataset.labels[k]]


def write_misclassified(path, dataset, missed):
    pictures = [(Image(dataset.cols, dataset.rows, dataset.image(m["index"])), m["label"], m["prediction"])
                for m in missed]
    write_atomic(path, misclassified_png(pictures, len(dataset)))


def run(args, out, err):
    if args.misclassified:
        if not args.misclassified.lower().endswith(".png"):
            raise UsageError("--misclassified writes a PNG: name it .png, not %s" % args.misclassified, "evaluate")
        check_writable(args.misclassified, "picture")
    backend = choose_backend(args.backend)
    network = load_model(backend, args.model)
    train_set, test_set = load_data(args.data)
    dataset = (test_set if args.split == "test" else train_set).head(args.limit)
    if not len(dataset):
        raise UserError("%s holds no images" % dataset.name)
    check_fits(network, dataset, args.split)
    classes = network.layer_sizes[-1]
    guesses = predictions(network, backend, dataset)
    matrix = confusion_matrix(dataset.labels, guesses, classes)
    correct = sum(matrix[c][c] for c in range(classes))
    count = len(dataset)
    precision, recall = precision_recall(matrix)
    missed = misclassified(dataset, guesses)
    if args.misclassified and missed:
        write_misclassified(args.misclassified, dataset, missed)
    if args.json:
        json.dump({"accuracy": correct / count, "correct": correct, "count": count, "confusion": matrix,
                   "precision": precision, "recall": recall, "misclassified": missed, "model": args.model,
                   "data": dataset.name, "split": args.split, "backend": backend.name,
                   "training": network.training}, out)
        out.write("\n")
        return EXIT_OK
    out.write("%s on %d %s images of %s\n" % (args.model, count, args.split, dataset.name))
    out.write("%s\n" % summarise(network.training))
    out.write("accuracy %.2f%% (%d/%d)\n\n" % (100.0 * correct / count, correct, count))
    out.write("label  precision   recall  count\n")
    for c in range(classes):
        out.write("%5d  %9s  %7s  %5d\n" % (c, percent(precision[c]), percent(recall[c]), sum(matrix[c])))
    out.write("\nconfusion matrix (rows: true label, columns: predicted)\n")
    width = max(4, len(str(count)) + 1)
    out.write("      " + "".join("%*d" % (width, c) for c in range(classes)) + "\n")
    for c in range(classes):
        out.write("%5d " % c + "".join("%*d" % (width, v) for v in matrix[c]) + "\n")
    if args.misclassified:
        out.write("\n%s\n" % ("drew the %d misclassified images in %s" % (len(missed), args.misclassified)
                              if missed else "no image was misclassified: %s not written" % args.misclassified))
    return EXIT_OK
