"""Kubernetes operator handlers for the ResearchProject resource."""
