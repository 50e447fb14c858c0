"""The application built on pynet's core: the ``pynet`` command line and what it needs.

``cli`` and ``commands/`` (one module per command), ``training`` (the training loop),
``progress``, ``metrics``, ``mnist`` (data sets) and ``download``, ``images`` (pictures
in and out: ``png``, ``pgm``, Pillow for the rest), ``prepare`` and ``levels`` (a picture
made into MNIST's form), ``server`` and ``page.html`` (``pynet serve``), ``augment``
(jitter), ``plot``. Everything here imports the core (``pynet``);
the core never imports anything here.
"""
