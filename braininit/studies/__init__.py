"""Studies that run real models on braininit initializers; each returns JSON-ready results and plots them."""
