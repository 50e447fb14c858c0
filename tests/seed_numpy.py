"""The seed's numpy class, as the seed writes it (comments translated).

Used only as a reference by the tests and benchmarks; it needs numpy. The
seed's ``scipy.special.expit`` is replaced by numpy's own sigmoid when scipy
is not installed.
"""

import numpy as np

try:
    from scipy.special import expit, logit
except ImportError:  # pragma: no cover - depends on the machine
    def expit(x):
        return 1.0 / (1.0 + np.exp(-x))

    def logit(x):
        return np.log(x / (1.0 - x))


class neuralNetwork:
    def __init__(self, InputNodes, HiddenNodes, OutputNodes, LearningRate):
        self.in_nodes = InputNodes
        self.hid_nodes = HiddenNodes
        self.out_nodes = OutputNodes
        self.LR = LearningRate
        # W_ih[i][j] joins input i to hidden j; W_ho[i][j] joins hidden i to output j
        self.W_ih = np.random.normal(0.0, pow(self.hid_nodes, -0.5), (self.in_nodes, self.hid_nodes))
        self.W_ho = np.random.normal(0.0, pow(self.out_nodes, -0.5), (self.hid_nodes, self.out_nodes))
        self.activate_func = lambda x: expit(x)
        self.inv_activate_func = lambda x: logit(x)

    def train(self, inputs_list, targets_list):
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        hidden_inputs = np.dot(self.W_ih.T, inputs)
        hidden_outputs = self.activate_func(hidden_inputs)
        final_inputs = np.dot(self.W_ho.T, hidden_outputs)
        final_outputs = self.activate_func(final_inputs)
        output_errors = targets - final_outputs
        hidden_errors = np.dot(self.W_ho, output_errors)
        self.W_ho += (self.LR * np.dot((output_errors * final_outputs * (1.0 - final_outputs)), hidden_outputs.T)).T
        self.W_ih += (self.LR * np.dot((hidden_errors * hidden_outputs * (1.0 - hidden_outputs)), inputs.T)).T

    def query(self, inputs_list):
        inputs = np.array(inputs_list, ndmin=2).T
        hidden_inputs = np.dot(self.W_ih.T, inputs)
        hidden_outputs = self.activate_func(hidden_inputs)
        final_inputs = np.dot(self.W_ho.T, hidden_outputs)
        final_outputs = self.activate_func(final_inputs)
        return final_outputs
