"""How a first fit draws its initial weights, numeric embedding and ensemble adapter:
from numpy, with the fit's ``random_state``, so a fit is reproducible on any
device."""

import numpy as np

from sknn._bins import quantile_bin_edges
from sknn._network import EMBEDDING_PREFIX

WEIGHT_INITS = {
    "auto", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
    "normal",
}  # fmt: skip


def initial_weights(fan_in, fan_out, scheme, activation, random_state):
    """One layer's initial (fan_in, fan_out) weights and biases, drawn from numpy.

    "auto" is sklearn's Glorot-uniform scheme for weights and biases (gain sqrt(2)
    smaller for the logistic activation). The others follow ``torch.nn.init``'s
    defaults (xavier with gain 1, kaiming in fan-in mode with gain sqrt(2), "normal"
    with std 0.01) and start the biases at zero. Drawing from ``random_state`` keeps a
    fit reproducible on any device.
    """
    shape = (fan_in, fan_out)
    if scheme == "auto":
        factor = 2.0 if activation == "logistic" else 6.0
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef = random_state.uniform(-bound, bound, shape)
        return coef, random_state.uniform(-bound, bound, fan_out)
    if scheme == "xavier_uniform":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        coef = random_state.uniform(-bound, bound, shape)
    elif scheme == "xavier_normal":
        coef = random_state.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
    elif scheme == "kaiming_uniform":
        bound = np.sqrt(6.0 / fan_in)
        coef = random_state.uniform(-bound, bound, shape)
    elif scheme == "kaiming_normal":
        coef = random_state.normal(0.0, np.sqrt(2.0 / fan_in), shape)
    else:  # "normal"
        coef = random_state.normal(0.0, 0.01, shape)
    return coef, np.zeros(fan_out)


def initial_layers(network, scheme, activation, random_state):
    """Every linear layer's initial float32 ``(fan_in, fan_out)`` weights and
    biases (:func:`initial_weights`), as two lists: an ensemble's output layer as
    its members' layers side by side, each drawn as a plain network's is, one
    after the other."""
    coefs, intercepts = [], []
    *shared, (fan_in, _) = network.weight_shapes()
    for shape in shared:
        coef, intercept = initial_weights(*shape, scheme, activation, random_state)
        coefs.append(coef.astype(np.float32))
        intercepts.append(intercept.astype(np.float32))
    heads = [
        initial_weights(fan_in, network.n_outputs, scheme, activation, random_state)
        for _ in range(network.ensemble_size)
    ]
    coefs.append(np.hstack([coef for coef, _ in heads]).astype(np.float32))
    intercepts.append(np.hstack([bias for _, bias in heads]).astype(np.float32))
    return coefs, intercepts


def initial_embedding(network, frequency_scale, random_state):
    """The periodic embedding's initial parameters, drawn from numpy as
    rtdl_num_embeddings draws them: frequencies from a normal truncated at 3
    standard deviations, the projection and its bias uniform in +-1/sqrt(fan_in).
    Named as the estimator's extra state holds them (``EMBEDDING_PREFIX``). The
    piecewise-linear embedding's are :func:`initial_piecewise_linear_embedding`'s."""
    if network.numeric_embedding == "piecewise_linear":
        return initial_piecewise_linear_embedding(network, random_state)
    shapes = network.embedding_shapes()
    bound = 3 * frequency_scale
    frequencies = np.clip(
        random_state.normal(0.0, frequency_scale, shapes["frequencies"]),
        -bound,
        bound,
    )
    limit = 1 / np.sqrt(shapes["projection"][0])
    projection = random_state.uniform(-limit, limit, shapes["projection"])
    bias = random_state.uniform(-limit, limit, shapes["projection_bias"])
    arrays = dict(frequencies=frequencies, projection=projection, projection_bias=bias)
    return {
        EMBEDDING_PREFIX + name: array.astype(np.float32)
        for name, array in arrays.items()
    }


def initial_adapter(network, random_state):
    """The ensemble's initial adapter, drawn as TabM-mini draws it: one value per
    member and column group of :meth:`~sknn._network.Network.adapter_sections`
    (an embedded feature's values share one), a random sign without a numeric
    embedding, a standard normal value with one; so the members see their input
    differently from the first step. Named as the estimator's extra state holds it;
    {} for a plain network."""
    shapes = network.ensemble_shapes()
    if not shapes:
        return {}
    ((key, shape),) = shapes.items()
    sections = network.adapter_sections()
    if network.numeric_embedding is None:
        draws = random_state.choice([-1.0, 1.0], (shape[0], len(sections)))
    else:
        draws = random_state.normal(0.0, 1.0, (shape[0], len(sections)))
    return {key: np.repeat(draws, sections, axis=1).astype(np.float32)}


def initial_extra_state(network, frequency_scale, random_state):
    """The initial arrays beyond the linear layers that a first fit draws, after
    the weights: the numeric embedding's, then the ensemble's adapter."""
    state = {}
    if network.numeric_embedding is not None:
        state = initial_embedding(network, frequency_scale, random_state)
    return {**state, **initial_adapter(network, random_state)}


def initial_piecewise_linear_embedding(network, random_state):
    """The piecewise-linear embedding's initial parameters, as rtdl_num_embeddings'
    version "B" draws them: the linear term's slope and bias uniform in
    +-1/sqrt(embedding_dim), the map of the bins at zero (the embedding starts as
    a linear one and learns its bins' shape in training). Its bin edges come from
    the training rows: :func:`bin_edges`."""
    shapes = network.embedding_shapes()
    limit = 1 / np.sqrt(network.embedding_dim)
    arrays = dict(
        linear=random_state.uniform(-limit, limit, shapes["linear"]),
        linear_bias=random_state.uniform(-limit, limit, shapes["linear_bias"]),
        projection=np.zeros(shapes["projection"]),
    )
    return {
        EMBEDDING_PREFIX + name: array.astype(np.float32)
        for name, array in arrays.items()
    }


def bin_edges(network, X):
    """The piecewise-linear embedding's bin edges from the training rows ``X`` (the
    quantiles of its embedded columns, see ``sknn._bins``), named as the extra state
    holds them; {} for another embedding."""
    if network.numeric_embedding != "piecewise_linear":
        return {}
    edges = quantile_bin_edges(X[:, : network.n_embedded], network.embedding_bins)
    return {EMBEDDING_PREFIX + "edges": edges}
