"""``pynet evaluate``: accuracy, precision and recall per digit, and the confusion matrix."""

import json

from ..backend import check_fits, choose_backend, load_data, load_model
from ..errors import EXIT_OK, UserError
from ..metrics import confusion_matrix, percent, precision_recall, predictions
from ..options import add_backend, add_data, positive_int


def add_parser(commands):
    evaluate = commands.add_parser("evaluate", help="accuracy, precision, recall and confusion matrix",
                                   description="Evaluate a saved model on the test set.")
    evaluate.add_argument("model", metavar="MODEL.json")
    add_data(evaluate)
    evaluate.add_argument("--split", choices=("test", "train"), default="test",
                          help="which part of the data to evaluate on (default test)")
    evaluate.add_argument("--limit", type=positive_int, default=None, metavar="N",
                          help="evaluate on the first N images only")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    add_backend(evaluate)

    return evaluate


def run(args, out, err):
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
    if args.json:
        json.dump({"accuracy": correct / count, "correct": correct, "count": count, "confusion": matrix,
                   "precision": precision, "recall": recall, "model": args.model,
                   "data": dataset.name, "split": args.split, "backend": backend.name}, out)
        out.write("\n")
        return EXIT_OK
    out.write("%s on %d %s images of %s\n" % (args.model, count, args.split, dataset.name))
    out.write("accuracy %.2f%% (%d/%d)\n\n" % (100.0 * correct / count, correct, count))
    out.write("label  precision   recall  count\n")
    for c in range(classes):
        out.write("%5d  %9s  %7s  %5d\n" % (c, percent(precision[c]), percent(recall[c]), sum(matrix[c])))
    out.write("\nconfusion matrix (rows: true label, columns: predicted)\n")
    width = max(4, len(str(count)) + 1)
    out.write("      " + "".join("%*d" % (width, c) for c in range(classes)) + "\n")
    for c in range(classes):
        out.write("%5d " % c + "".join("%*d" % (width, v) for v in matrix[c]) + "\n")
    return EXIT_OK
