"""Adapters for JAX model libraries: Flax, Equinox, Haiku and brainstate.

Each adapter is its own module and imports its library when it is used, so
``import braininit`` works without any of them. Install them all with
``pip install braininit[frameworks]``.
"""
