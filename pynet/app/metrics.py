"""What a network gets right: predictions, accuracy, the confusion matrix."""

EVAL_CHUNK = 1000  # rows per query_many call


def argmax(values):
    """The index of the largest value (the first one, on a tie)."""
    best = 0
    for k in range(1, len(values)):
        if values[k] > values[best]:
            best = k
    return best


def predictions(network, backend, dataset, on_progress=None):
    """The predicted label of every image in ``dataset``, as bytes (largest output, first on a tie)."""
    out = bytearray()
    size = dataset.size
    for start in range(0, len(dataset), EVAL_CHUNK):
        stop = min(start + EVAL_CHUNK, len(dataset))
        rows = backend.input_rows(dataset.images[start * size:stop * size], stop - start, size)
        for outputs in network.query_many(rows):
            out.append(argmax(outputs))
        if on_progress:
            on_progress(stop)
    return bytes(out)


def accuracy(network, backend, dataset, on_progress=None):
    """``(correct, count)`` of the network's predictions on ``dataset``."""
    guesses = predictions(network, backend, dataset, on_progress)
    correct = sum(1 for k in range(len(dataset)) if guesses[k] == dataset.labels[k])
    return correct, len(dataset)


def confusion_matrix(labels, guesses, classes):
    """``matrix[actual][predicted]`` counts."""
    matrix = [[0] * classes for _ in range(classes)]
    for actual, guess in zip(labels, guesses):
        matrix[actual][guess] += 1
    return matrix


def ratio(numerator, denominator):
    """``numerator / denominator``, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def precision_recall(matrix):
    """``(precision, recall)`` per class from a confusion matrix (None where undefined)."""
    classes = len(matrix)
    precision = [ratio(matrix[c][c], sum(matrix[r][c] for r in range(classes))) for c in range(classes)]
    recall = [ratio(matrix[c][c], sum(matrix[c])) for c in range(classes)]
    return precision, recall


def percent(value):
    """``"97.32%"``, or ``"-"`` for None."""
    return "-" if value is None else "%.2f%%" % (100.0 * value)
