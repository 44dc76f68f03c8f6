# Notebook-style: fixed-point iteration to find the stationary distribution of a Markov chain
import numpy as np
import torch

torch.manual_seed(0)
np.random.seed(0)

# %% build a random row-stochastic transition matrix
n_states = 5
raw = torch.from_numpy(np.random.rand(n_states, n_states)).float()
P = raw / raw.sum(dim=1, keepdim=True)

# %% power iteration
def stationary(P, tol=1e-6, max_iter=1000):
    pi = torch.full((P.shape[0],), 1.0 / P.shape[0])
    for it in range(max_iter):
        new_pi = pi @ P
        diff = (new_pi - pi).abs()
        pi = new_pi
        if diff < tol:
            return pi, it
    raise RuntimeError("did not converge")

pi, iters = stationary(P)
print("converged after", iters, "iterations")

# %% sanity check
print("pi:", pi)
print("pi @ P:", pi @ P)
