"""The network and its losses: sknn's multilayer perceptron as a torch module, and
sklearn's MLP losses on its pre-activation outputs. Part of the torch seam."""

import functools
import math

import torch
from torch import nn
from torch.nn import functional as F

from sknn._bins import bin_encoding
from sknn._network import BATCH_NORM_EPS, LEAKY_RELU_SLOPE

# the torch layer of each of _network.HIDDEN_ACTIVATIONS
ACTIVATION_LAYERS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": functools.partial(nn.LeakyReLU, LEAKY_RELU_SLOPE),
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "hardtanh": nn.Hardtanh,
}


class Dropout(nn.Dropout):
    """``nn.Dropout`` drawing its masks from ``generator`` when one is set (the
    training loop sets the fit's own), not from torch's global RNG: fits in parallel
    threads then neither share nor change it. The same arithmetic as
    ``F.dropout``: a Bernoulli(1 - p) mask scaled by 1 / (1 - p), drawn as
    ``uniform < 1 - p`` (on the CPU, ``bernoulli_`` with a generator takes about
    2.5x as long as drawing the uniforms and comparing)."""

    generator = None

    def forward(self, X):
        if not self.training or self.p == 0 or self.generator is None:
            return super().forward(X)
        keep = 1 - self.p
        uniform = torch.rand(
            X.shape, generator=self.generator, device=X.device, dtype=X.dtype
        )
        return X * (uniform < keep).to(X.dtype).mul_(1 / keep)


class PeriodicEmbedding(nn.Module):
    """Each numeric feature as ``relu([cos(2 pi f x), sin(2 pi f x)] W + b)``.

    Gorishniy et al., "On embeddings for numerical features in tabular deep
    learning" (NeurIPS 2022): the PLR embedding in its "lite" form, with
    ``n_frequencies`` learned frequencies per feature and one projection ``W``
    (2 * n_frequencies x ``dim``) shared by the features. Maps the first
    ``n_features`` columns of X to ``n_features * dim`` columns and passes the
    columns after them through unchanged (the tabular estimators' missing-value
    indicators and one-hot categories). The parameters start at zero: sknn copies
    in the initial values it drew itself.
    """

    def __init__(self, n_features, dim, n_frequencies):
        super().__init__()
        self.frequencies = nn.Parameter(torch.zeros(n_features, n_frequencies))
        self.projection = nn.Parameter(torch.zeros(2 * n_frequencies, dim))
        self.projection_bias = nn.Parameter(torch.zeros(dim))

    def forward(self, X):
        n_features = self.frequencies.shape[0]
        numeric = X if X.shape[1] == n_features else X[:, :n_features]
        angles = (2 * math.pi) * numeric.unsqueeze(-1) * self.frequencies
        features = torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)
        embedded = torch.relu(features @ self.projection + self.projection_bias)
        if X.shape[1] == n_features:
            return embedded.flatten(1)
        return torch.cat([embedded.flatten(1), X[:, n_features:]], dim=1)


class PiecewiseLinearEmbedding(nn.Module):
    """Each numeric feature as ``x w + b + PLE(x) P``: its linear term plus its
    piecewise-linear encoding (see ``sknn._bins``) mapped by its own ``P``.

    Gorishniy et al. (NeurIPS 2022), as rtdl_num_embeddings'
    ``PiecewiseLinearEmbeddings(version="B", activation=False)``, the form TabM
    uses: ``linear`` and ``linear_bias`` (n_features x ``dim``) are the linear
    term, ``projection`` (n_features x n_bins x ``dim``) maps each feature's bins.
    The bin ``edges`` (n_features x n_bins + 1) are a buffer, saved with the
    module and never trained; the encoding's arrays are derived from them
    whenever they are loaded. Maps the first ``n_features`` columns of X to
    ``n_features * dim`` columns and passes the columns after them through. The
    parameters start at zero: sknn copies in the initial values and edges it
    computed itself.
    """

    def __init__(self, n_features, dim, n_bins):
        super().__init__()
        self.linear = nn.Parameter(torch.zeros(n_features, dim))
        self.linear_bias = nn.Parameter(torch.zeros(n_features, dim))
        self.projection = nn.Parameter(torch.zeros(n_features, n_bins, dim))
        self.register_buffer("edges", torch.zeros(n_features, n_bins + 1))
        for name in ("left", "inverse_width", "lower", "upper"):
            self.register_buffer(
                name, torch.zeros(n_features, n_bins), persistent=False
            )
        self.register_load_state_dict_post_hook(_derive_bin_encoding)

    def forward(self, X):
        n_features = self.edges.shape[0]
        numeric = X if X.shape[1] == n_features else X[:, :n_features]
        values = numeric.unsqueeze(-1)
        encoded = torch.clamp(
            (values - self.left) * self.inverse_width, self.lower, self.upper
        )
        # each feature's (rows x bins) by its (bins x dim): a batch over features
        binned = torch.bmm(encoded.transpose(0, 1), self.projection).transpose(0, 1)
        embedded = torch.addcmul(self.linear_bias, values, self.linear) + binned
        if X.shape[1] == n_features:
            return embedded.flatten(1)
        return torch.cat([embedded.flatten(1), X[:, n_features:]], dim=1)


def _derive_bin_encoding(module, incompatible_keys):
    """The encoding's buffers of a :class:`PiecewiseLinearEmbedding` from its
    edges, computed by ``sknn._bins`` as the numpy forward pass and ONNX export
    compute them (a post-hook of ``load_state_dict``)."""
    arrays = bin_encoding(module.edges.detach().cpu().numpy())
    with torch.no_grad():
        for name, array in zip(("left", "inverse_width", "lower", "upper"), arrays):
            buffer = getattr(module, name)
            buffer.copy_(torch.as_tensor(array, dtype=buffer.dtype))


class ZeroInitLinear(nn.Linear):
    """``nn.Linear`` starting at zero: nothing drawn from torch's global RNG (sknn
    copies in the weights it drew itself). Unlike ``nn.utils.skip_init``, building
    it does not import torch's symbolic-shape machinery (sympy), which a model's
    load would otherwise wait for."""

    def reset_parameters(self):
        with torch.no_grad():
            self.weight.zero_()
            self.bias.zero_()


class EnsembleScale(nn.Module):
    """An ensemble's adapter (TabM-mini's ``ScaleEnsemble``): each of ``members``
    copies of the input rows scaled elementwise by its own row of ``scale``, the
    copies of a row one under the other, ``(batch, width)`` to ``(batch * members,
    width)``, so the shared layers after it see one row per member. Starts at
    zero: sknn copies in the values it drew itself."""

    def __init__(self, members, width):
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(members, width))

    def forward(self, X):
        return (X.unsqueeze(1) * self.scale).flatten(0, 1)


class EnsembleHeads(nn.Linear):
    """An ensemble's output layers, one per member, as one ``nn.Linear`` of
    ``members * n_outputs`` outputs (member after member, as ``coefs_[-1]`` holds
    them): each member's rows (see :class:`EnsembleScale`) go through its own
    layer only, in one batched product. Returns ``(batch, members, n_outputs)``."""

    def __init__(self, fan_in, n_outputs, members):
        super().__init__(fan_in, members * n_outputs)
        self.members = members

    def forward(self, X):
        k, fan_in = self.members, self.in_features
        rows = X.reshape(-1, k, fan_in).transpose(0, 1)
        weights = self.weight.view(k, -1, fan_in).transpose(1, 2)
        out = torch.baddbmm(self.bias.view(k, 1, -1), rows, weights)
        return out.transpose(0, 1)


class ZeroInitEnsembleHeads(EnsembleHeads):
    """:class:`EnsembleHeads` starting at zero (see :class:`ZeroInitLinear`)."""

    reset_parameters = ZeroInitLinear.reset_parameters


def _linear(fan_in, fan_out, init_weights, members=1):
    """``nn.Linear`` (``members`` output layers of ``fan_out`` units each: see
    :class:`EnsembleHeads`), drawn by torch, or at zero (see
    :class:`ZeroInitLinear`)."""
    if members > 1:
        heads = EnsembleHeads if init_weights else ZeroInitEnsembleHeads
        return heads(fan_in, fan_out, members)
    if init_weights:
        return nn.Linear(fan_in, fan_out)
    return ZeroInitLinear(fan_in, fan_out)


class MLPModule(nn.Sequential):
    """A multilayer perceptron returning the output layer's pre-activation: the
    module of a :class:`sknn._network.Network` record.

    Each hidden layer is Linear, then BatchNorm1d (with ``batch_norm``), then the
    activation, then Dropout (where its rate is above 0). With
    ``numeric_embedding="periodic"`` a :class:`PeriodicEmbedding` of the record's
    leading features comes first, with "piecewise_linear" a
    :class:`PiecewiseLinearEmbedding`. An ensemble (``ensemble_size`` k > 1) has an
    :class:`EnsembleScale` before the first linear layer and
    :class:`EnsembleHeads` as its output layer: the shared layers between run on
    k rows per input row (batch norm normalizes over the rows and members
    together, dropout draws a mask per member), and the module returns the
    members' outputs, ``(batch, k, n_outputs)``. With ``init_weights=False`` the
    linear layers start at zero and nothing is drawn from torch's global RNG (sknn
    copies in the weights it drew itself).
    """

    def __init__(self, network, init_weights=True):
        shapes = network.weight_shapes()
        n_linear, members = len(shapes), network.ensemble_size
        layers = []
        for kind, i in network.layers():
            if kind == "embedding" and network.numeric_embedding == "piecewise_linear":
                layers.append(
                    PiecewiseLinearEmbedding(
                        network.n_embedded,
                        network.embedding_dim,
                        network.embedding_bins,
                    )
                )
            elif kind == "embedding":
                layers.append(
                    PeriodicEmbedding(
                        network.n_embedded,
                        network.embedding_dim,
                        network.embedding_frequencies,
                    )
                )
            elif kind == "ensemble":
                layers.append(EnsembleScale(members, network.input_width))
            elif kind == "linear" and i == n_linear - 1:
                fan_in = shapes[i][0]
                layers.append(_linear(fan_in, network.n_outputs, init_weights, members))
            elif kind == "linear":
                layers.append(_linear(*shapes[i], init_weights))
            elif kind == "batch_norm":
                layers.append(nn.BatchNorm1d(shapes[i][1], eps=BATCH_NORM_EPS))
            elif kind == "activation":
                layers.append(ACTIVATION_LAYERS[network.activation]())
            else:
                layers.append(Dropout(network.dropout[i]))
        super().__init__(*layers)

    def set_generator(self, generator):
        """Draw the dropout masks from ``generator`` (None: torch's global RNG)."""
        for layer in self:
            if isinstance(layer, Dropout):
                layer.generator = generator

    def linears(self):
        return [m for m in self if isinstance(m, nn.Linear)]

    def extra_state(self):
        """The state beyond the linear layers (batch norm, the numeric embedding,
        the ensemble's adapter), as numpy arrays named as in ``state_dict``."""
        return {
            f"{name}.{key}": value.detach().cpu().numpy().copy()
            for name, layer in self.named_children()
            if isinstance(
                layer,
                nn.BatchNorm1d
                | PeriodicEmbedding
                | PiecewiseLinearEmbedding
                | EnsembleScale,
            )
            for key, value in layer.state_dict().items()
        }

    def forward(self, X):
        # each layer's forward directly: sknn registers no hooks on the layers, and
        # skipping Module.__call__ saves ~4% of a small batch's step
        for layer in self._modules.values():
            X = layer.forward(X)
        return X


class SklearnLoss(nn.Module):
    """The data term of sklearn's MLP losses, on pre-activation outputs ``z``.

    Each log-loss and regression loss gives the gradient ``activation(z) - y``
    sklearn back-propagates. sknn adds the hinge losses of a margin classifier:
    "multi_margin" (``torch.nn.MultiMarginLoss``, one output per class) and
    "binary_hinge" (``max(0, 1 - t z)`` per output with ``t = 2y - 1``). Targets are
    class indices for "softmax_log_loss" and "multi_margin", float arrays otherwise.
    The squared error is summed over outputs for training (as sklearn's gradient is)
    and divided by the number of outputs for the reported loss (as sklearn's loss
    is); the Poisson deviance's constant ``xlogy(y, y) - y`` only enters the reported
    loss.
    """

    def __init__(self, kind, label_smoothing=0.0):
        super().__init__()
        self.kind = kind
        self.label_smoothing = label_smoothing

    def _smoothed(self, y):
        """Binary targets moved towards 1/2 by the label smoothing."""
        if not self.label_smoothing:
            return y
        return y * (1 - self.label_smoothing) + self.label_smoothing / 2

    def forward(self, z, y):
        """Per-sample loss, constant terms included; an ensemble's (``z`` of shape
        ``(batch, members, n_outputs)``) is its members' mean loss on the row."""
        if z.dim() == 3:
            n, k = z.shape[:2]
            return self._per_sample(*_members_rows(z, y)).view(n, k).mean(dim=1)
        return self._per_sample(z, y)

    def _per_sample(self, z, y):
        if self.kind == "softmax_log_loss":
            return F.cross_entropy(
                z, y, reduction="none", label_smoothing=self.label_smoothing
            )
        if self.kind == "multi_margin":
            return F.multi_margin_loss(z, y, reduction="none")
        if self.kind == "binary_hinge":
            return F.relu(1 - (2 * y - 1) * z).sum(dim=1)
        if self.kind == "logistic_log_loss":
            return F.binary_cross_entropy_with_logits(
                z, self._smoothed(y), reduction="none"
            ).sum(dim=1)
        if self.kind == "poisson":
            return (torch.xlogy(y, y) - y * z - y + torch.exp(z)).sum(dim=1)
        if self.kind == "absolute_error":
            return (z - y).abs().sum(dim=1)
        if self.kind == "huber":
            return F.huber_loss(z, y, reduction="none").sum(dim=1)
        return 0.5 * ((z - y) ** 2).sum(dim=1)

    def mean_prediction(self, z):
        """The pre-activation output whose prediction is an ensemble's (``z`` of
        shape ``(batch, members, n_outputs)``): the mean of the members'
        probabilities (log-losses), of their ``exp`` (Poisson), or of their outputs
        (the other losses, the hinge's margins); ``z`` itself for one network."""
        if z.dim() != 3:
            return z
        log_k = math.log(z.shape[1])
        if self.kind == "softmax_log_loss":
            return torch.logsumexp(F.log_softmax(z, dim=-1), dim=1) - log_k
        if self.kind == "logistic_log_loss":  # the logit of the mean probability
            positive = torch.logsumexp(F.logsigmoid(z), dim=1)
            return positive - torch.logsumexp(F.logsigmoid(-z), dim=1)
        if self.kind == "poisson":
            return torch.logsumexp(z, dim=1) - log_k
        return z.mean(dim=1)

    def mean(self, z, y):
        """The loss averaged over the batch with fused reductions, without constants;
        an ensemble's, over the batch and its members."""
        if z.dim() == 3:
            z, y = _members_rows(z, y)
        if self.kind == "softmax_log_loss":
            return F.cross_entropy(z, y, label_smoothing=self.label_smoothing)
        if self.kind == "multi_margin":
            return F.multi_margin_loss(z, y)
        # torch's means run over samples and outputs; sklearn sums over outputs
        n_outputs = z.shape[1]
        if self.kind == "squared_error":
            return F.mse_loss(z, y) * (0.5 * n_outputs)
        if self.kind == "absolute_error":
            return F.l1_loss(z, y) * n_outputs
        if self.kind == "huber":
            return F.huber_loss(z, y) * n_outputs
        if self.kind == "binary_hinge":
            return F.relu(1 - (2 * y - 1) * z).mean() * n_outputs
        if self.kind == "logistic_log_loss":
            mean = F.binary_cross_entropy_with_logits(z, self._smoothed(y))
        else:
            mean = F.poisson_nll_loss(z, y, log_input=True, full=False)
        return mean if n_outputs == 1 else mean * n_outputs

    def constant(self, y):
        """What :meth:`mean` leaves out of the loss of targets ``y``, summed."""
        if self.kind == "poisson":
            return float((torch.xlogy(y, y) - y).sum())
        return 0.0

    def report_scale(self, n_outputs):
        """Regression losses are reported as means over outputs, as sklearn's is."""
        averaged = {"squared_error", "absolute_error", "huber"}
        return 1.0 / n_outputs if self.kind in averaged else 1.0


def _members_rows(z, y):
    """An ensemble's outputs ``(batch, members, n_outputs)`` as one row per member
    and input row, each with its row's targets: every member is trained on the
    same rows."""
    n, k = z.shape[:2]
    return z.reshape(n * k, -1), y.repeat_interleave(k, dim=0)


# the function of each of _network.OUTPUT_ACTIVATIONS, on the last axis
OUTPUT_FUNCTIONS = {
    "softmax": lambda z: torch.softmax(z, dim=-1),
    "logistic": torch.sigmoid,
    "exp": torch.exp,
    "expm1": torch.expm1,
    "identity": lambda z: z,
}
