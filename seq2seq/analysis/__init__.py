"""Analyses of trained models: hidden-state samples, projections, neighbours, counterfactuals, units, attribution,
alignment."""
